package bench

import (
	"context"
	"net"
	"time"

	"github.com/zkwire/zk"
)

// ZK is the Dialer of this module's client, github.com/zkwire/zk.
func ZK(ctx context.Context, servers []string) (Client, error) {
	c, err := zk.Connect(ctx, servers, zk.WithSessionTimeout(sessionTimeout))
	if err != nil {
		return nil, err
	}
	return zkClient{c}, nil
}

// zkClient adapts *zk.Client. Its methods add no allocation of their own
// except MultiSet's op slice, which any caller of Multi builds.
type zkClient struct{ c *zk.Client }

var openACL = zk.WorldACL(zk.PermAll)

func (z zkClient) Get(ctx context.Context, path string) ([]byte, error) {
	data, _, err := z.c.Get(ctx, path)
	return data, err
}

func (z zkClient) Set(ctx context.Context, path string, data []byte) error {
	_, err := z.c.Set(ctx, path, data, -1)
	return err
}

func (z zkClient) Create(ctx context.Context, path string, data []byte) error {
	_, err := z.c.Create(ctx, path, data, zk.Persistent, openACL)
	return err
}

func (z zkClient) Delete(ctx context.Context, path string) error {
	return z.c.Delete(ctx, path, -1)
}

func (z zkClient) MultiSet(ctx context.Context, paths []string, data []byte) error {
	ops := make([]zk.Op, len(paths))
	for i, p := range paths {
		ops[i] = zk.SetOp(p, data, -1)
	}
	_, err := z.c.Multi(ctx, ops...)
	return err
}

func (z zkClient) GetW(ctx context.Context, path string) (Watch, error) {
	_, _, w, err := z.c.GetW(ctx, path)
	if err != nil {
		return nil, err
	}
	return (*zkWatch)(w), nil // a pointer conversion: no allocation
}

func (z zkClient) Close() error { z.c.Close(); return nil }

type zkWatch zk.Watch

func (w *zkWatch) Wait(ctx context.Context) bool {
	select {
	case ev, ok := <-w.C:
		return ok && ev.Err == nil && ev.Type != zk.EventNone
	case <-ctx.Done():
		return false
	}
}

// CountedZK is ZK with its connections' reads and writes counted in ctr
// (through zk.WithDialer); use it with Config.Conns = ctr.
func CountedZK(ctr *ConnCounter) Dialer {
	return func(ctx context.Context, servers []string) (Client, error) {
		var d net.Dialer
		dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return ctr.Wrap(nc), nil
		}
		c, err := zk.Connect(ctx, servers, zk.WithSessionTimeout(sessionTimeout), zk.WithDialer(dial))
		if err != nil {
			return nil, err
		}
		return zkClient{c}, nil
	}
}

// States reports the session's state changes (zk.Client.SessionEvents):
// connected on StateConnected or StateConnectedReadOnly, lost on any
// other state.
func (z zkClient) States(ctx context.Context) <-chan StateChange {
	evs := z.c.SessionEvents(ctx)
	out := make(chan StateChange, 16)
	go func() {
		defer close(out)
		for ev := range evs {
			sc := StateChange{At: time.Now(), Connected: ev.State == zk.StateConnected || ev.State == zk.StateConnectedReadOnly}
			select {
			case out <- sc:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
