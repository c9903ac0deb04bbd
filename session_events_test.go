package zk_test

import (
	"context"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// nextSessionEvent reads one session event or fails the test.
func nextSessionEvent(t *testing.T, ch <-chan zk.SessionEvent) zk.SessionEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("session events closed early")
		}
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no session event within 30s")
	}
	return zk.SessionEvent{}
}

func TestSessionEventsAcrossExpiry(t *testing.T) {
	c := connect(t, zk.WithNewSessionOnExpiry())
	ctx := ctxFor(t, 60*time.Second)
	events := c.SessionEvents(ctx)
	old := c.SessionID()
	if ev := nextSessionEvent(t, events); ev != (zk.SessionEvent{State: zk.StateConnected, SessionID: old}) {
		t.Fatalf("first event %+v, want the current state", ev)
	}
	if err := zktest.ExpireSession(ctx, srv.Addr(), old, c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	// Disconnected or Connecting may come first; Expired must, then a
	// connected state on a new session.
	var sawExpired bool
	for {
		ev := nextSessionEvent(t, events)
		if ev.State == zk.StateExpired {
			sawExpired = true
			continue
		}
		if ev.State == zk.StateConnected {
			if !sawExpired {
				t.Fatalf("connected again before StateExpired: %+v", ev)
			}
			if !ev.NewSession || ev.SessionID == old || ev.SessionID == 0 {
				t.Fatalf("after expiry got %+v, want NewSession with an id other than %#x", ev, old)
			}
			break
		}
	}
	c.Close()
	var last zk.SessionEvent
	for ev := range events {
		last = ev
	}
	if last.State != zk.StateClosed {
		t.Fatalf("last event before the channel closed = %+v, want StateClosed", last)
	}
	// After the end: the final state alone.
	after := c.SessionEvents(context.Background())
	if ev := nextSessionEvent(t, after); ev.State != zk.StateClosed {
		t.Fatalf("SessionEvents after Close: first %+v, want StateClosed", ev)
	}
	if ev, ok := <-after; ok {
		t.Fatalf("SessionEvents after Close delivered %+v after the final state", ev)
	}
}

func TestSessionEventsEndWithContext(t *testing.T) {
	c := connect(t)
	ctx, cancel := context.WithCancel(context.Background())
	events := c.SessionEvents(ctx)
	if ev := nextSessionEvent(t, events); ev.State != zk.StateConnected {
		t.Fatalf("first event %+v, want the current state", ev)
	}
	cancel()
	select {
	case _, ok := <-events:
		if ok {
			t.Fatal("event delivered after cancel with no state change")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("channel not closed after its context ended")
	}
}

// A reader that fell behind still gets the final state: Close keeps the
// newest events that fit in the channel, the terminal one last.
func TestSessionEventsSlowReaderGetsFinalState(t *testing.T) {
	proxy := startProxy(t, srv.Addr())
	rec := &stateRecorder{}
	c := connectTo(t, []string{proxy.Addr()}, zk.WithNewSessionOnExpiry(), zk.WithStateListener(rec.add))
	ctx := ctxFor(t, 120*time.Second)
	events := c.SessionEvents(ctx) // not read until after Close
	const flaps = 20
	for i := range flaps {
		proxy.Cut()
		rec.waitFor(t, zk.StateConnected, i+2, 30*time.Second)
	}
	if err := zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, zk.StateExpired, 1, 30*time.Second)
	rec.waitFor(t, zk.StateConnected, flaps+2, 30*time.Second)
	c.Close()
	var got []zk.SessionEvent
	for ev := range events { // closed once Close has returned
		got = append(got, ev)
	}
	if len(got) == 0 || got[len(got)-1].State != zk.StateClosed {
		t.Fatalf("drained %d events, last %+v; want the last to be StateClosed", len(got), got[len(got)-1:])
	}
	// What was kept is the newest part of the history, in order: the new
	// session's Connected right before Closed.
	if len(got) < 2 || got[len(got)-2].State != zk.StateConnected || !got[len(got)-2].NewSession {
		t.Fatalf("events before Closed: %+v", got)
	}
}
