package main

import (
	"context"
	"net"
	"time"

	gozk "github.com/go-zookeeper/zk"
	"github.com/zkwire/zk/bench"
)

// goZKDialer is the bench.Dialer of go-zookeeper/zk, with its connections
// counted in conns through its WithDialer option (its default dialer is
// net.DialTimeout, as here). Its Connect returns before a session exists,
// so this waits for StateHasSession, as a user would.
func goZKDialer(conns *bench.ConnCounter) bench.Dialer {
	dial := func(network, addr string, timeout time.Duration) (net.Conn, error) {
		nc, err := net.DialTimeout(network, addr, timeout)
		if err != nil {
			return nil, err
		}
		return conns.Wrap(nc), nil
	}
	return func(ctx context.Context, servers []string) (bench.Client, error) {
		return dialGoZK(ctx, servers, dial)
	}
}

func dialGoZK(ctx context.Context, servers []string, dial gozk.Dialer) (bench.Client, error) {
	c, events, err := gozk.Connect(servers, 15*time.Second, gozk.WithLogger(quiet{}), gozk.WithDialer(dial))
	if err != nil {
		return nil, err
	}
	for {
		select {
		case ev := <-events:
			if ev.State == gozk.StateHasSession {
				return goClient{c, events}, nil
			}
		case <-ctx.Done():
			c.Close()
			return nil, ctx.Err()
		}
	}
}

// quiet silences go-zookeeper, which logs every connect by default.
type quiet struct{}

func (quiet) Printf(string, ...interface{}) {}

// goClient adapts *gozk.Conn; go-zookeeper takes no contexts.
type goClient struct {
	c      *gozk.Conn
	events <-chan gozk.Event // the session's events, from Connect
}

var openACL = gozk.WorldACL(gozk.PermAll)

func (g goClient) Get(_ context.Context, path string) ([]byte, error) {
	data, _, err := g.c.Get(path)
	return data, err
}

func (g goClient) Set(_ context.Context, path string, data []byte) error {
	_, err := g.c.Set(path, data, -1)
	return err
}

func (g goClient) Create(_ context.Context, path string, data []byte) error {
	_, err := g.c.Create(path, data, 0, openACL)
	return err
}

func (g goClient) Delete(_ context.Context, path string) error {
	return g.c.Delete(path, -1)
}

func (g goClient) MultiSet(_ context.Context, paths []string, data []byte) error {
	ops := make([]interface{}, len(paths))
	for i, p := range paths {
		ops[i] = &gozk.SetDataRequest{Path: p, Data: data, Version: -1}
	}
	_, err := g.c.Multi(ops...)
	return err
}

func (g goClient) GetW(_ context.Context, path string) (bench.Watch, error) {
	_, _, ch, err := g.c.GetW(path)
	if err != nil {
		return nil, err
	}
	return goWatch(ch), nil // a channel in an interface: no allocation
}

func (g goClient) Close() error { g.c.Close(); return nil }

type goWatch <-chan gozk.Event

func (w goWatch) Wait(ctx context.Context) bool {
	select {
	case ev, ok := <-w:
		return ok && ev.Err == nil && ev.Type != gozk.EventNotWatching
	case <-ctx.Done():
		return false
	}
}

// States reports the connection's changes from go-zookeeper's event
// channel: lost on StateDisconnected, connected on StateHasSession (its
// StateConnected is the TCP connection, before the session). One reader
// at a time: it reads the channel Connect returned, whose older events
// (none once the session is up, normally) it drops first.
func (g goClient) States(ctx context.Context) <-chan bench.StateChange {
	for len(g.events) > 0 {
		<-g.events
	}
	out := make(chan bench.StateChange, 16)
	go func() {
		defer close(out)
		for {
			var sc bench.StateChange
			select {
			case ev, ok := <-g.events:
				if !ok {
					return
				}
				switch ev.State {
				case gozk.StateDisconnected:
					sc = bench.StateChange{At: time.Now()}
				case gozk.StateHasSession:
					sc = bench.StateChange{At: time.Now(), Connected: true}
				default:
					continue
				}
			case <-ctx.Done():
				return
			}
			select {
			case out <- sc:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
