//go:build go1.25

package watchmgr

import (
	"sync"
	"testing"
	"testing/synctest"

	"github.com/zkwire/zk/proto"
)

// recorder collects callback events in delivery order.
type recorder struct {
	mu  sync.Mutex
	got []Event
}

func (r *recorder) add(ev Event) {
	r.mu.Lock()
	r.got = append(r.got, ev)
	r.mu.Unlock()
}

func (r *recorder) events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.got...)
}

// callbackWatch begins and commits a callback watcher.
func (h *harness) callbackWatch(t *testing.T, path string, k Kind, fn func(Event)) *Watcher {
	t.Helper()
	w := new(Watcher)
	if err := h.Manager.Begin(w, path, k, fn, func(bool) error { return nil }); err != nil {
		t.Fatal(err)
	}
	w.Commit(true, true)
	return w
}

func (h *harness) running() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cbRunning
}

// Callbacks run in delivery order, on a goroutine that is gone once the
// queue is drained, and a callback watcher has no channel.
func TestCallbacksInOrderAndGoroutineEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, 0)
		var r recorder
		p := h.callbackWatch(t, "/a", KindPersistentRecursive, r.add)
		o := h.callbackWatch(t, "/a/b", KindData, r.add)
		if p.Events() != nil || o.Events() != nil {
			t.Fatal("a callback watcher has a channel")
		}
		h.Notification(event(proto.EventNodeCreated, "/a/x"))
		h.Notification(event(proto.EventNodeDataChanged, "/a/b"))
		h.Notification(event(proto.EventNodeDeleted, "/a/x"))
		synctest.Wait()
		got := r.events()
		want := []string{`NodeCreated "/a/x"`, `NodeDataChanged "/a/b"`, `NodeDataChanged "/a/b"`, `NodeDeleted "/a/x"`}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %d events", got, len(want))
		}
		for i, ev := range got {
			if s := ev.Type.String() + " " + `"` + ev.Path + `"`; s != want[i] {
				t.Fatalf("event %d: %s, want %s (all: %v)", i, s, want[i], got)
			}
		}
		if h.running() {
			t.Fatal("the callback goroutine is still there with nothing queued")
		}
		h.mu.Lock()
		n := len(h.callbacks)
		h.mu.Unlock()
		if n != 1 { // the persistent one; the fired one-shot is forgotten
			t.Fatalf("%d callbacks held, want 1", n)
		}
		p.Stop()
		h.mu.Lock()
		n = len(h.callbacks)
		h.mu.Unlock()
		if n != 0 {
			t.Fatalf("%d callbacks held after Stop, want 0", n)
		}
	})
}

// A blocked callback never blocks the caller of Notification (the receive
// loop): other watchers still get their events, and the blocked persistent
// watcher ends with ErrOverflow once its share of the queue is full.
func TestBlockedCallbackNeverBlocksDelivery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, 4)
		release := make(chan struct{})
		var blocked recorder
		h.callbackWatch(t, "/slow", KindPersistent, func(ev Event) {
			blocked.add(ev)
			<-release
		})
		var other recorder
		for i := 0; i < 20; i++ {
			h.Notification(event(proto.EventNodeDataChanged, "/slow"))
			o := h.callbackWatch(t, "/other", KindData, other.add)
			c, _ := h.watch(t, "/chan", KindData, true, true)
			h.Notification(event(proto.EventNodeDataChanged, "/other"))
			h.Notification(event(proto.EventNodeDataChanged, "/chan"))
			if ev := recv(t, c); ev.Path != "/chan" {
				t.Fatalf("channel watcher got %v", ev)
			}
			_ = o
		}
		synctest.Wait() // the callback goroutine is blocked in the first callback
		if n := len(blocked.events()); n != 1 {
			t.Fatalf("blocked callback ran %d times, want 1", n)
		}
		close(release)
		synctest.Wait()
		got := blocked.events()
		// buffer-1 = 3 events queued, then the overflow, as a channel
		// nobody read would hold; 4 if the callback goroutine took the
		// first one off the queue before the rest came (goroutines in a
		// synctest bubble still run in parallel, so it may start during
		// the loop).
		last := len(got) - 1
		if len(got) < 4 || len(got) > 5 || got[last].Err != ErrOverflow || got[last].Type != proto.EventNone {
			t.Fatalf("blocked watcher got %v, want 3 or 4 events then ErrOverflow", got)
		}
		for _, ev := range got[:last] {
			if ev.Type != proto.EventNodeDataChanged || ev.Err != nil {
				t.Fatalf("blocked watcher got %v, want data changes before the overflow", got)
			}
		}
		if n := len(other.events()); n != 20 {
			t.Fatalf("other callbacks got %d events, want 20", n)
		}
		if h.Stats().Overflows != 1 {
			t.Fatalf("overflows = %d, want 1", h.Stats().Overflows)
		}
	})
}

// After Stop returns, no callback of the watcher starts, even for an event
// queued before Stop.
func TestStopDropsQueuedCallbacks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, 0)
		release := make(chan struct{})
		h.callbackWatch(t, "/first", KindData, func(Event) { <-release })
		var stopped, after recorder
		s := h.callbackWatch(t, "/stopped", KindData, stopped.add)
		h.callbackWatch(t, "/after", KindData, after.add)
		h.Notification(event(proto.EventNodeDataChanged, "/first"))
		h.Notification(event(proto.EventNodeDataChanged, "/stopped"))
		h.Notification(event(proto.EventNodeDataChanged, "/after"))
		synctest.Wait()
		s.Stop() // its one-shot fired and is queued behind /first
		close(release)
		synctest.Wait()
		if got := stopped.events(); len(got) != 0 {
			t.Fatalf("stopped watcher's callback ran: %v", got)
		}
		if got := after.events(); len(got) != 1 {
			t.Fatalf("later callback got %v, want 1 event", got)
		}
	})
}
