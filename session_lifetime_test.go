package zk_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// The first value of SessionEvents is the state at the time of the call, so
// a reader that subscribes late misses nothing: here the client is
// connected and no change follows, yet the reader learns its state.
func TestSessionEventsFirstIsCurrentState(t *testing.T) {
	c := connect(t)
	events := c.SessionEvents(ctxFor(t, 30*time.Second))
	want := zk.SessionEvent{State: zk.StateConnected, SessionID: c.SessionID()}
	if ev := nextSessionEvent(t, events); ev != want {
		t.Fatalf("first event %+v, want %+v", ev, want)
	}
	select {
	case ev := <-events:
		t.Fatalf("second event %+v with no change", ev)
	default:
	}
}

// isDone reports whether ch is closed, waiting up to within for it.
func isDone(ch <-chan struct{}, within time.Duration) bool {
	select {
	case <-ch:
		return true
	default:
	}
	t := time.NewTimer(within)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// Done closes when the client can no longer do anything: on Close, and on
// expiry without WithNewSessionOnExpiry; not on an expiry it recovers from.
func TestDone(t *testing.T) {
	ctx := ctxFor(t, 90*time.Second)

	closed := connect(t)
	if isDone(closed.Done(), 0) {
		t.Fatal("Done closed on a connected client")
	}
	closed.Close()
	if !isDone(closed.Done(), 0) {
		t.Fatal("Done still open once Close returned")
	}

	plain := connect(t)
	if err := zktest.ExpireSession(ctx, srv.Addr(), plain.SessionID(), plain.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	if !isDone(plain.Done(), 30*time.Second) {
		t.Fatalf("Done not closed within 30s of the expiry (state %v)", plain.State())
	}
	if s := plain.State(); s != zk.StateExpired {
		t.Fatalf("state once Done closed: %v, want StateExpired", s)
	}

	renewing := connect(t, zk.WithNewSessionOnExpiry())
	events := renewing.SessionEvents(ctx)
	old := renewing.SessionID()
	if err := zktest.ExpireSession(ctx, srv.Addr(), old, renewing.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	for { // until connected on the new session
		ev := nextSessionEvent(t, events)
		if ev.State == zk.StateConnected && ev.SessionID != old {
			break
		}
	}
	if isDone(renewing.Done(), 0) {
		t.Fatal("Done closed by an expiry the client recovered from")
	}
	if _, _, err := renewing.Get(ctx, "/"); err != nil {
		t.Fatalf("renewed client: %v", err)
	}
	renewing.Close()
	if !isDone(renewing.Done(), 0) {
		t.Fatal("Done still open once Close returned")
	}
}

// A state listener that blocks holds up neither the connection nor other
// readers, and still gets every state, in the order SessionEvents gives
// them.
func TestBlockedListenerKeepsOrder(t *testing.T) {
	proxy := startProxy(t, srv.Addr())
	release := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	var heard []zk.State
	c := connectTo(t, []string{proxy.Addr()}, zk.WithStateListener(func(s zk.State) {
		mu.Lock()
		heard = append(heard, s)
		mu.Unlock()
		once.Do(func() { <-release }) // blocks on the first state
	}))
	defer close(release) // a failing test must not leave it blocked
	ctx := ctxFor(t, 90*time.Second)
	events := c.SessionEvents(ctx)
	first := nextSessionEvent(t, events)
	seen := []zk.State{first.State}
	const cuts = 3
	for n := 0; n < cuts; {
		proxy.Cut()
		for {
			ev := nextSessionEvent(t, events)
			seen = append(seen, ev.State)
			if ev.State == zk.StateConnected {
				n++
				break
			}
		}
	}
	// The connection went on while the listener was blocked.
	if _, _, err := c.Get(ctx, "/"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(heard) != 1 {
		t.Errorf("blocked listener heard %v", heard)
	}
	mu.Unlock()
	release <- struct{}{} // the first call returns
	eventually(t, 30*time.Second, func() error {
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(heard, seen) {
			return fmt.Errorf("listener heard %v, SessionEvents gave %v", heard, seen)
		}
		return nil
	})
}
