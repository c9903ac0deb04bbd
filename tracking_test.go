package zk_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/fourletter"
	"github.com/zkwire/zk/zktest"
)

func TestConfigClientAddrs(t *testing.T) {
	cfg := "server.1=10.0.0.1:2888:3888:participant;10.0.0.1:2181\n" +
		"server.2=zk2:2888:3888:participant;2182\n" + // client host missing: the quorum host
		"server.3=zk3:2888:3888:observer;0.0.0.0:2183\n" + // wildcard: the quorum host
		"server.4=[fe80::1]:2888:3888:participant;[::]:2184\n" +
		"server.5=[::1]:2888:3888:participant;[::1]:2185\n" +
		"server.6=zk6:2888:3888:participant\n" + // no client port: left out
		"version=100000003"
	got := zk.ConfigClientAddrs([]byte(cfg))
	want := []string{"10.0.0.1:2181", "zk2:2182", "zk3:2183", "[fe80::1]:2184", "[::1]:2185"}
	if !slices.Equal(got, want) {
		t.Fatalf("ConfigClientAddrs = %q, want %q", got, want)
	}
	if got := zk.ConfigClientAddrs(nil); len(got) != 0 {
		t.Fatalf("empty config: %q", got)
	}
}

// Tracking cannot work under a chroot (the config watch lies outside it)
// or next to a HostProvider (two pickers): Connect says so at once.
func TestEnsembleTrackingRefused(t *testing.T) {
	ctx := ctxFor(t, 10*time.Second)
	for name, opts := range map[string][]zk.Option{
		"chroot":   {zk.WithEnsembleTracking(), zk.WithChroot("/app")},
		"provider": {zk.WithEnsembleTracking(), zk.WithHostProvider(&rotatingProvider{addrs: []string{srv.Addr()}})},
	} {
		c, err := zk.Connect(ctx, []string{srv.Addr()}, opts...)
		if !errors.Is(err, zk.ErrInvalidArgument) {
			if c != nil {
				c.Close()
			}
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
}

// UpdateServers by hand: a list without the current server moves the
// client to the new one, with its session and its watch; the same list
// again changes nothing; a bad address is refused and changes nothing.
func TestUpdateServersMoves(t *testing.T) {
	a, b := startProxy(t, srv.Addr()), startProxy(t, srv.Addr())
	rec := &stateRecorder{}
	c := connectTo(t, []string{a.Addr()}, zk.WithStateListener(rec.add))
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	_, _, w, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	id := c.SessionID()
	for _, bad := range [][]string{nil, {b.Addr() + "/app"}, {"nohost"}} {
		if err := c.UpdateServers(bad); !errors.Is(err, zk.ErrInvalidArgument) {
			t.Fatalf("UpdateServers(%q) = %v, want ErrInvalidArgument", bad, err)
		}
	}
	if c.Server() != a.Addr() || !slices.Equal(c.Servers(), []string{a.Addr()}) {
		t.Fatalf("after refused updates: on %s, list %v", c.Server(), c.Servers())
	}
	if err := c.UpdateServers([]string{b.Addr(), b.Addr()}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error {
		if c.Server() != b.Addr() || c.State() != zk.StateConnected {
			return fmt.Errorf("on %q in %v, want %s", c.Server(), c.State(), b.Addr())
		}
		return nil
	})
	if c.SessionID() != id || !slices.Equal(c.Servers(), []string{b.Addr()}) || a.Connections() != 0 {
		t.Fatalf("session %x (was %x), list %v, %d connections left on the old server", c.SessionID(), id, c.Servers(), a.Connections())
	}
	if _, err := c.Set(ctx, p, []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, w, 10*time.Second); ev.Type != zk.EventNodeDataChanged {
		t.Fatalf("watch after the move: %v", ev)
	}
	if err := c.UpdateServers([]string{b.Addr()}); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx, "/"); err != nil {
		t.Fatal(err)
	}
	if b.Connections() != 1 {
		t.Fatalf("%d connections after a no-op update", b.Connections())
	}
	for _, s := range rec.get() {
		if s == zk.StateExpired {
			t.Fatalf("states %v", rec.get())
		}
	}
}

// configWatches returns the client's registrations of ConfigNode.
func configWatches(c *zk.Client) []zk.WatchInfo {
	var out []zk.WatchInfo
	for _, w := range c.Watches() {
		if w.Path == zk.ConfigNode {
			out = append(out, w)
		}
	}
	return out
}

// checkOneConfigWatch checks that the client holds exactly one config
// watch, set on the server, and that the server (wchc and wchp at addr)
// lists the session as watching ConfigNode exactly once.
func checkOneConfigWatch(t *testing.T, ctx context.Context, c *zk.Client, addr string) {
	t.Helper()
	eventually(t, 20*time.Second, func() error {
		ws := configWatches(c)
		if len(ws) != 1 || ws[0].Watchers != 1 || !ws[0].Server || ws[0].Kind != zk.KindData {
			return fmt.Errorf("client's config watches: %+v", ws)
		}
		return nil
	})
	// The restore of a reconnect goes out before any later request: after
	// a round trip the server holds whatever it restored.
	if err := c.Sync(ctx, "/"); err != nil {
		t.Fatal(err)
	}
	id := c.SessionID()
	byConn, err := fourletter.Wchc(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range byConn[id] {
		if p == zk.ConfigNode {
			n++
		}
	}
	byPath, err := fourletter.Wchp(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	m := 0
	for _, s := range byPath[zk.ConfigNode] {
		if s == id {
			m++
		}
	}
	if n != 1 || m != 1 {
		t.Fatalf("server lists the session 0x%x with %d config watches (wchc: %v), %d times under %s (wchp)", id, n, byConn[id], m, zk.ConfigNode)
	}
	t.Logf("session 0x%x: Watches() %+v; wchc %v; wchp lists it %d time(s) under %s", id, configWatches(c), byConn[id], m, zk.ConfigNode)
}

// CURATOR-696: the config watch is set once and carried over by
// reconnects; after 100 connection cuts and two expiries (each followed
// by a new session) the client still holds exactly one config watch, and
// so does the server.
func TestEnsembleTrackingOneWatch(t *testing.T) {
	p := startProxy(t, srv.Addr())
	var connects atomic.Int64
	c := connectTo(t, []string{p.Addr()}, zk.WithEnsembleTracking(), zk.WithNewSessionOnExpiry(),
		zk.WithSessionTimeout(10*time.Second), zk.WithStateListener(func(s zk.State) {
			if s == zk.StateConnected {
				connects.Add(1)
			}
		}))
	ctx := ctxFor(t, 4*time.Minute)
	checkOneConfigWatch(t, ctx, c, srv.Addr())
	const cuts = 100
	eventually(t, 10*time.Second, func() error {
		if connects.Load() != 1 {
			return fmt.Errorf("%d connects", connects.Load())
		}
		return nil
	})
	for i := range cuts {
		p.Cut()
		eventually(t, 20*time.Second, func() error {
			if n := connects.Load(); n != int64(i+2) || c.State() != zk.StateConnected {
				return fmt.Errorf("cut %d: %d connects, state %v", i+1, n, c.State())
			}
			return nil
		})
	}
	checkOneConfigWatch(t, ctx, c, srv.Addr())
	for range 2 {
		old := c.SessionID()
		if err := zktest.ExpireSession(ctx, srv.Addr(), old, c.SessionPassword()); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, func() error {
			if c.SessionID() == old || c.State() != zk.StateConnected {
				return fmt.Errorf("session 0x%x, state %v: no new session yet", c.SessionID(), c.State())
			}
			return nil
		})
		checkOneConfigWatch(t, ctx, c, srv.Addr())
	}
}

// cutDialer dials through a net.Dialer until Cut, which closes its
// connections and makes every dial fail until Restore.
type cutDialer struct {
	mu    sync.Mutex
	cut   bool
	conns []net.Conn
	dials atomic.Int64
}

func (d *cutDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.dials.Add(1)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cut {
		return nil, errors.New("cut off")
	}
	var nd net.Dialer
	nc, err := nd.DialContext(ctx, network, addr)
	if err == nil {
		d.conns = append(d.conns, nc)
	}
	return nc, err
}

func (d *cutDialer) setCut(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cut = on
	if on {
		for _, nc := range d.conns {
			nc.Close()
		}
		d.conns = nil
	}
}
