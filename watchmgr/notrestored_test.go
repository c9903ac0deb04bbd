package watchmgr

import (
	"errors"
	"testing"

	"github.com/zkwire/zk/proto"
)

// The watchers of a restore packet the server refused end with a final
// event wrapping ErrNotRestored and the server's error, and leave
// Watches(); watchers of the same paths and kinds that were restored by
// another packet, and every other watcher, go on firing.
func TestNotRestoredEndsExactlyThoseWatchers(t *testing.T) {
	h := newHarness(t, 0)
	d, _ := h.watch(t, "/d", KindData, true, true)
	eThere, _ := h.watch(t, "/e", KindExist, true, true)
	eMissing, _ := h.watch(t, "/e", KindExist, true, false)
	c, _ := h.watch(t, "/c", KindChild, true, true)
	p, _ := h.watch(t, "/p", KindPersistent, true, false)
	r, _ := h.watch(t, "/r", KindPersistentRecursive, true, false)
	keepD, _ := h.watch(t, "/keep", KindData, true, true)
	keepR, _ := h.watch(t, "/keep", KindPersistentRecursive, true, false)
	h.StateChange(proto.StateDisconnected, false)
	h.StateChange(proto.StateSyncConnected, false)
	for _, w := range []*Watcher{p, r, keepR} {
		recv(t, w) // disconnected
		recv(t, w) // resync
	}
	h.Restore()
	// One packet refused; /keep and the missing-node exists watch of /e
	// were in another one the server accepted.
	h.NotRestored(Set{Data: []string{"/d", "/e"}, Child: []string{"/c"}, Persistent: []string{"/p"}, Recursive: []string{"/r"}}, proto.ErrNoAuth)

	for _, w := range []*Watcher{d, eThere, c, p, r} {
		ev := recv(t, w)
		if !errors.Is(ev.Err, ErrNotRestored) || !errors.Is(ev.Err, proto.ErrNoAuth) || ev.Path != w.path {
			t.Fatalf("%v %s: %v, want a final event with ErrNotRestored and ErrNoAuth", w.kind, w.path, ev)
		}
		expectClosed(t, w)
	}
	for _, reg := range h.Watches() {
		switch reg.Path {
		case "/d", "/c", "/p", "/r":
			t.Fatalf("Watches() still lists %+v", reg)
		case "/e":
			if reg.Kind != KindExist || reg.Watchers != 1 || !reg.Server {
				t.Fatalf("Watches() lists %+v for /e, want the one restored exists watcher", reg)
			}
		}
	}
	if len(h.removed) != 0 {
		t.Fatalf("removals sent for watches the server does not hold: %v", h.removed)
	}

	h.Notification(event(proto.EventNodeCreated, "/e"))
	if ev := recv(t, eMissing); ev.Type != proto.EventNodeCreated || ev.Err != nil {
		t.Fatalf("restored exists watcher: %v, want NodeCreated", ev)
	}
	h.Notification(event(proto.EventNodeDataChanged, "/keep"))
	if ev := recv(t, keepD); ev.Type != proto.EventNodeDataChanged {
		t.Fatalf("restored data watcher: %v, want NodeDataChanged", ev)
	}
	if ev := recv(t, keepR); ev.Type != proto.EventNodeDataChanged {
		t.Fatalf("restored recursive watcher: %v, want NodeDataChanged", ev)
	}
	expectNothing(t, keepR)
}
