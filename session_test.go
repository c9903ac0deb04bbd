package zk_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// stateRecorder collects state transitions.
type stateRecorder struct {
	mu     sync.Mutex
	states []zk.State
}

func (r *stateRecorder) add(s zk.State) { r.mu.Lock(); r.states = append(r.states, s); r.mu.Unlock() }

func (r *stateRecorder) get() []zk.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.states)
}

func (r *stateRecorder) waitFor(t testing.TB, s zk.State, count int, within time.Duration) {
	t.Helper()
	eventually(t, within, func() error {
		n := 0
		for _, x := range r.get() {
			if x == s {
				n++
			}
		}
		if n < count {
			return fmt.Errorf("saw %v, want %d× %v", r.get(), count, s)
		}
		return nil
	})
}

// startOwnServer starts a server for a test that stops or restarts it.
func startOwnServer(t testing.TB) *zktest.Server {
	t.Helper()
	s, err := zktest.StartServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// startProxy puts a fault proxy in front of addr for one test.
func startProxy(t testing.TB, addr string) *zktest.Proxy {
	t.Helper()
	p, err := zktest.NewProxy(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestSessionSurvivesServerRestart(t *testing.T) {
	s := startOwnServer(t)
	rec := &stateRecorder{}
	c := connectTo(t, []string{s.Addr()}, zk.WithSessionTimeout(20*time.Second), zk.WithStateListener(rec.add))
	writer := connectTo(t, []string{s.Addr()}, zk.WithSessionTimeout(20*time.Second))
	ctx := ctxFor(t, 60*time.Second)
	id := c.SessionID()
	p := testPath(t)
	mustCreate(t, c, p, []byte("0"))
	if _, err := c.Create(ctx, p+"/eph", nil, zk.Ephemeral, open); err != nil {
		t.Fatal(err)
	}
	// Watches of every kind, and a continuous watch.
	_, _, dw, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := c.AddWatch(ctx, p, zk.KindPersistentRecursive)
	if err != nil {
		t.Fatal(err)
	}
	updates, err := zk.WatchData(ctx, c, p)
	if err != nil {
		t.Fatal(err)
	}
	<-updates

	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, zk.StateDisconnected, 1, 30*time.Second)
	rec.waitFor(t, zk.StateConnected, 2, 30*time.Second)
	if c.SessionID() != id {
		t.Fatalf("session changed: %x → %x", id, c.SessionID())
	}
	if ok, st, err := c.Exists(ctx, p+"/eph"); err != nil || !ok || st.EphemeralOwner != id {
		t.Fatalf("ephemeral lost: %v %+v %v", ok, st, err)
	}
	// The persistent watch says it may have missed something, before any
	// later event, and goes on firing; the one-shot and continuous watches
	// were re-registered and see the next change.
	if ev := nextEvent(t, pw, 10*time.Second); ev.Type != zk.EventNone || ev.State != zk.StateDisconnected {
		t.Fatalf("persistent watch: %v, want Disconnected", ev)
	}
	if ev := nextEvent(t, pw, 10*time.Second); !ev.Resync {
		t.Fatalf("persistent watch: %v, want the resync marker", ev)
	}
	eventually(t, 30*time.Second, func() error { // writer reconnects too
		_, err := writer.Set(ctx, p, []byte("1"), -1)
		return err
	})
	if ev := nextEvent(t, dw, 10*time.Second); ev.Type != zk.EventNodeDataChanged {
		t.Fatalf("one-shot after restart: %v", ev)
	}
	if ev := nextEvent(t, pw, 10*time.Second); ev.Type != zk.EventNodeDataChanged || ev.Path != p {
		t.Fatalf("persistent after restart: %v", ev)
	}
	select {
	case u := <-updates:
		if string(u.Data) != "1" {
			t.Fatalf("continuous watch: %+v", u)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("continuous watch stopped after a state-only event")
	}
}

func TestChangesWhileDisconnectedAreDelivered(t *testing.T) {
	s := startOwnServer(t)
	proxy := startProxy(t, s.Addr())
	rec := &stateRecorder{}
	c := connectTo(t, []string{proxy.Addr()}, zk.WithSessionTimeout(20*time.Second), zk.WithStateListener(rec.add))
	writer := connectTo(t, []string{s.Addr()})
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	mustCreate(t, writer, p, nil)
	mustCreate(t, writer, p+"/gone", nil)
	_, _, dw, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, _, gw, err := c.GetW(ctx, p+"/gone")
	if err != nil {
		t.Fatal(err)
	}
	_, _, ew, err := c.ExistsW(ctx, p+"/new")
	if err != nil {
		t.Fatal(err)
	}
	_, _, cw, err := c.ChildrenW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	proxy.SetRefuse(true)
	proxy.Cut()
	rec.waitFor(t, zk.StateDisconnected, 1, 20*time.Second)
	if _, err := writer.Set(ctx, p, []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	if err := writer.Delete(ctx, p+"/gone", -1); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, writer, p+"/new", nil)
	proxy.SetRefuse(false)
	for _, c := range []struct {
		w    *zk.Watch
		want zk.EventType
	}{{dw, zk.EventNodeDataChanged}, {gw, zk.EventNodeDeleted}, {ew, zk.EventNodeCreated}, {cw, zk.EventNodeChildrenChanged}} {
		if ev := nextEvent(t, c.w, 30*time.Second); ev.Type != c.want {
			t.Fatalf("watch on %s: %v, want %v", c.w.Path(), ev, c.want)
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	rec := &stateRecorder{}
	c := connect(t, zk.WithStateListener(rec.add))
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	_, _, w, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := c.AddWatch(ctx, p, zk.KindPersistent)
	if err != nil {
		t.Fatal(err)
	}
	if err := zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, zk.StateExpired, 1, 30*time.Second)
	for _, x := range []*zk.Watch{w, pw} {
		ev := nextEvent(t, x, 10*time.Second)
		for ev.Err == nil && ev.Type == zk.EventNone { // state events come first
			ev = nextEvent(t, x, 10*time.Second)
		}
		if !errors.Is(ev.Err, zk.ErrSessionExpired) || ev.State != zk.StateExpired {
			t.Fatalf("final event %v, want ErrSessionExpired", ev)
		}
		if _, ok := <-x.Events(); ok {
			t.Fatal("channel open after expiry")
		}
	}
	if c.State() != zk.StateExpired {
		t.Fatalf("state %v", c.State())
	}
	if _, _, err := c.Get(ctx, p); !errors.Is(err, zk.ErrSessionExpired) {
		t.Fatalf("call after expiry: %v", err)
	}
}

func TestNewSessionOnExpiryAndResumingWatch(t *testing.T) {
	rec := &stateRecorder{}
	c := connect(t, zk.WithNewSessionOnExpiry(), zk.WithStateListener(rec.add))
	writer := connect(t)
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	mustCreate(t, writer, p, []byte("before"))
	updates, err := zk.WatchData(ctx, c, p, zk.ResumeAfterExpiry())
	if err != nil {
		t.Fatal(err)
	}
	if u := <-updates; string(u.Data) != "before" {
		t.Fatalf("got %+v", u)
	}
	old := c.SessionID()
	if err := zktest.ExpireSession(ctx, srv.Addr(), old, c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, zk.StateExpired, 1, 30*time.Second)
	eventually(t, 30*time.Second, func() error {
		if c.SessionID() == old || c.State() != zk.StateConnected {
			return fmt.Errorf("session 0x%x state %v", c.SessionID(), c.State())
		}
		return nil
	})
	if _, err := writer.Set(ctx, p, []byte("after"), -1); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case u := <-updates:
			if u.Err != nil {
				t.Fatalf("continuous watch ended: %v", u.Err)
			}
			if string(u.Data) == "after" {
				return
			}
		case <-deadline:
			t.Fatal("continuous watch did not resume on the new session")
		}
	}
}

func TestEnsembleMemberStopped(t *testing.T) {
	e, err := zktest.StartEnsemble(3)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	rec := &stateRecorder{}
	c := connectTo(t, e.Addrs(), zk.WithSessionTimeout(20*time.Second), zk.WithStateListener(rec.add))
	ctx := ctxFor(t, 90*time.Second)
	id := c.SessionID()
	p := testPath(t)
	mustCreate(t, c, p, nil)
	if _, err := c.Create(ctx, p+"/eph", nil, zk.Ephemeral, open); err != nil {
		t.Fatal(err)
	}
	cur := c.Server()
	var victim *zktest.Server
	for _, s := range e.Servers() {
		if s.Addr() == cur {
			victim = s
		}
	}
	if victim == nil {
		t.Fatalf("connected to %q, not a member of %v", cur, e.Addrs())
	}
	if err := victim.Stop(); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, zk.StateConnected, 2, 40*time.Second)
	if c.SessionID() != id || c.Server() == cur {
		t.Fatalf("session %x on %s after stopping %s", c.SessionID(), c.Server(), cur)
	}
	eventually(t, 30*time.Second, func() error {
		_, err := c.Set(ctx, p, []byte("still serving"), -1)
		return err
	})
	if ok, _, err := c.Exists(ctx, p+"/eph"); err != nil || !ok {
		t.Fatalf("ephemeral after failover: %v %v", ok, err)
	}
}

func TestCloseWithCallsInFlight(t *testing.T) {
	s := startOwnServer(t)
	proxy := startProxy(t, s.Addr())
	before := runtime.NumGoroutine()
	c, err := zk.Connect(ctxFor(t, 20*time.Second), []string{proxy.Addr()}, zk.WithSessionTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	proxy.SetBlackhole(true) // requests go out, replies never come
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		go func() {
			_, _, err := c.Get(context.Background(), "/")
			errs <- err
		}()
	}
	time.Sleep(200 * time.Millisecond)
	done := make(chan struct{})
	go func() { c.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("Close hung with calls in flight")
	}
	for i := 0; i < 20; i++ {
		if err := <-errs; !errors.Is(err, zk.ErrClosed) {
			t.Fatalf("call in flight at Close: %v, want ErrClosed", err)
		}
	}
	eventually(t, 5*time.Second, func() error {
		if n := runtime.NumGoroutine(); n > before {
			return fmt.Errorf("%d goroutines, %d before Connect", n, before)
		}
		return nil
	})
}
