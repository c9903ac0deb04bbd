package watchmgr

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/zkwire/zk/proto"
)

type removal struct {
	Path string
	Type proto.WatcherType
}

// harness is a manager whose removals are recorded.
type harness struct {
	*Manager
	removed []removal
}

func newHarness(t *testing.T, buffer int) *harness {
	h := &harness{}
	h.Manager = New(Config{Buffer: buffer, Remove: func(p string, ty proto.WatcherType) {
		h.removed = append(h.removed, removal{p, ty})
	}})
	h.StateChange(proto.StateSyncConnected, true)
	return h
}

// Begin is Manager.Begin with the watcher allocated here, as the tests
// were written for.
func (h *harness) Begin(path string, k Kind, send func(*Watcher, bool) error) (*Watcher, error) {
	w := new(Watcher)
	if err := h.Manager.Begin(w, path, k, nil, func(server bool) error { return send(w, server) }); err != nil {
		return nil, err
	}
	return w, nil
}

// watch begins and commits a registration, returning the watcher and the
// watch flag Begin decided.
func (h *harness) watch(t *testing.T, path string, k Kind, registered, existed bool) (*Watcher, bool) {
	t.Helper()
	var flag bool
	w, err := h.Begin(path, k, func(_ *Watcher, server bool) error { flag = server; return nil })
	if err != nil {
		t.Fatal(err)
	}
	w.Commit(registered, existed)
	return w, flag
}

func event(ty proto.EventType, p string) proto.WatcherEvent {
	return proto.WatcherEvent{Type: ty, State: proto.StateSyncConnected, Path: p}
}

// recv returns the next event or fails if none is ready.
func recv(t *testing.T, w *Watcher) Event {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatalf("%s %s: channel closed, want an event", w.kind, w.path)
		}
		return ev
	default:
		t.Fatalf("%s %s: no event", w.kind, w.path)
	}
	return Event{}
}

func expectClosed(t *testing.T, w *Watcher) {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if ok {
			t.Fatalf("%s %s: got %v, want closed channel", w.kind, w.path, ev)
		}
	default:
		t.Fatalf("%s %s: channel open, want closed", w.kind, w.path)
	}
}

func expectNothing(t *testing.T, w *Watcher) {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		t.Fatalf("%s %s: got %v (open=%v), want nothing", w.kind, w.path, ev, ok)
	default:
	}
}

func TestDedupAndFanOut(t *testing.T) {
	h := newHarness(t, 0)
	var ws []*Watcher
	for i := 0; i < 1000; i++ {
		w, flag := h.watch(t, "/a", KindData, true, true)
		if !flag {
			t.Fatal("a data watch on an uncovered path must ask the server")
		}
		ws = append(ws, w)
	}
	regs := h.Watches()
	if len(regs) != 1 || regs[0].Watchers != 1000 || !regs[0].Server {
		t.Fatalf("Watches = %+v, want one server registration shared by 1000", regs)
	}
	h.Notification(event(proto.EventNodeDataChanged, "/a"))
	for _, w := range ws {
		if ev := recv(t, w); ev.Type != proto.EventNodeDataChanged || ev.Path != "/a" {
			t.Fatalf("got %v", ev)
		}
		expectClosed(t, w)
	}
	if got := h.Watches(); len(got) != 0 {
		t.Fatalf("after firing: %+v, want nothing", got)
	}
	if len(h.removed) != 0 {
		t.Fatalf("a fired watch needs no removal, got %v", h.removed)
	}
}

func TestExistAndDataShareOneNotification(t *testing.T) {
	h := newHarness(t, 0)
	d, _ := h.watch(t, "/a", KindData, true, true)
	e, _ := h.watch(t, "/a", KindExist, true, true)
	c, _ := h.watch(t, "/a", KindChild, true, true)
	h.Notification(event(proto.EventNodeDataChanged, "/a"))
	recv(t, d)
	recv(t, e)
	expectNothing(t, c) // a child watch does not see data changes
	h.Notification(event(proto.EventNodeDeleted, "/a"))
	if ev := recv(t, c); ev.Type != proto.EventNodeDeleted {
		t.Fatalf("child watcher got %v", ev)
	}
}

func TestStopLastRemovesServerWatch(t *testing.T) {
	h := newHarness(t, 0)
	a, _ := h.watch(t, "/a", KindData, true, true)
	b, _ := h.watch(t, "/a", KindExist, true, true)
	c, _ := h.watch(t, "/a", KindChild, true, true)
	a.Stop()
	a.Stop() // idempotent
	expectClosed(t, a)
	if len(h.removed) != 0 {
		t.Fatalf("removed %v while an exists watcher still holds the data watch", h.removed)
	}
	b.Stop()
	c.Stop()
	want := []removal{{"/a", proto.WatcherData}, {"/a", proto.WatcherChildren}}
	if !reflect.DeepEqual(h.removed, want) {
		t.Fatalf("removed %v, want %v", h.removed, want)
	}
	if got := h.Watches(); len(got) != 0 {
		t.Fatalf("leftover %+v", got)
	}
}

func TestPendingRegistrationBlocksRemoval(t *testing.T) {
	h := newHarness(t, 0)
	a, _ := h.watch(t, "/a", KindData, true, true)
	b, err := h.Begin("/a", KindData, func(*Watcher, bool) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	a.Stop()
	if len(h.removed) != 0 {
		t.Fatalf("removal %v would race the pending registration", h.removed)
	}
	b.Commit(false, false) // e.g. NoNode: nothing registered by it
	expectClosed(t, b)
	if want := []removal{{"/a", proto.WatcherData}}; !reflect.DeepEqual(h.removed, want) {
		t.Fatalf("removed %v, want %v", h.removed, want)
	}
}

func TestStopWhilePendingEndsAtCommitAndRemoves(t *testing.T) {
	h := newHarness(t, 0)
	w, err := h.Begin("/a", KindData, func(*Watcher, bool) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	w.Stop() // e.g. the caller's context ended after the request was written
	w.Commit(true, true)
	expectClosed(t, w)
	if want := []removal{{"/a", proto.WatcherData}}; !reflect.DeepEqual(h.removed, want) {
		t.Fatalf("removed %v, want %v", h.removed, want)
	}
}

func TestSendErrorDiscards(t *testing.T) {
	h := newHarness(t, 0)
	boom := errors.New("queue closed")
	if _, err := h.Begin("/a", KindData, func(*Watcher, bool) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if got := h.Watches(); len(got) != 0 {
		t.Fatalf("leftover %+v", got)
	}
}

func TestOneShotServedByPersistentOnSamePath(t *testing.T) {
	h := newHarness(t, 0)
	p, flag := h.watch(t, "/a", KindPersistent, true, false)
	if !flag {
		t.Fatal("first persistent watch must be sent")
	}
	d, flag := h.watch(t, "/a", KindData, true, true)
	if flag {
		t.Fatal("a data watch on a persistently watched path must not be sent with watch=true (3.8 would downgrade it)")
	}
	c, flag := h.watch(t, "/a", KindChild, true, true)
	if flag {
		t.Fatal("child watch must be served locally too")
	}
	p2, flag := h.watch(t, "/a", KindPersistent, true, false)
	if flag {
		t.Fatal("second persistent watch must share the first registration")
	}
	h.Notification(event(proto.EventNodeDataChanged, "/a"))
	recv(t, d)
	expectClosed(t, d)
	expectNothing(t, c)
	recv(t, p)
	recv(t, p2)
	// Stop both persistent watchers: the child one-shot still needs the
	// server watch, so it stays.
	p.Stop()
	p2.Stop()
	if len(h.removed) != 0 {
		t.Fatalf("removed %v while a one-shot is served by it", h.removed)
	}
	regs := h.Watches()
	if len(regs) != 2 || regs[1].Kind != KindPersistent || regs[1].Watchers != 0 || !regs[1].Server {
		t.Fatalf("want the lingering persistent registration listed: %+v", regs)
	}
	h.Notification(event(proto.EventNodeChildrenChanged, "/a"))
	recv(t, c)
	if want := []removal{{"/a", proto.WatcherAny}}; !reflect.DeepEqual(h.removed, want) {
		t.Fatalf("removed %v, want %v", h.removed, want)
	}
}

func TestPersistentKeepsFiring(t *testing.T) {
	h := newHarness(t, 0)
	p, _ := h.watch(t, "/a", KindPersistent, true, false)
	for i := 0; i < 3; i++ {
		h.Notification(event(proto.EventNodeDataChanged, "/a"))
	}
	h.Notification(event(proto.EventNodeChildrenChanged, "/a"))
	h.Notification(event(proto.EventNodeDeleted, "/a"))
	h.Notification(event(proto.EventNodeCreated, "/a"))
	h.Notification(event(proto.EventNodeDataChanged, "/a/child")) // not its business
	want := []proto.EventType{3, 3, 3, 4, 2, 1}
	for _, ty := range want {
		if ev := recv(t, p); ev.Type != ty {
			t.Fatalf("got %v, want %v", ev.Type, ty)
		}
	}
	expectNothing(t, p)
	p.Stop()
	expectClosed(t, p)
	if want := []removal{{"/a", proto.WatcherAny}}; !reflect.DeepEqual(h.removed, want) {
		t.Fatalf("removed %v", h.removed)
	}
}

func TestRecursive(t *testing.T) {
	h := newHarness(t, 0)
	r, _ := h.watch(t, "/r", KindPersistentRecursive, true, false)
	other, _ := h.watch(t, "/other", KindPersistentRecursive, true, false)
	seq := []proto.WatcherEvent{
		event(proto.EventNodeCreated, "/r"),
		event(proto.EventNodeCreated, "/r/a"),
		event(proto.EventNodeChildrenChanged, "/r"), // 3.8 may send it; recursive must not see it
		event(proto.EventNodeCreated, "/r/a/b"),
		event(proto.EventNodeDataChanged, "/r/a/b"),
		event(proto.EventNodeDeleted, "/r/a/b"),
		event(proto.EventNodeDataChanged, "/rx"), // a sibling with a common prefix
	}
	for _, e := range seq {
		h.Notification(e)
	}
	want := []string{"NodeCreated /r", "NodeCreated /r/a", "NodeCreated /r/a/b", "NodeDataChanged /r/a/b", "NodeDeleted /r/a/b"}
	for _, w := range want {
		ev := recv(t, r)
		if got := ev.Type.String() + " " + ev.Path; got != w {
			t.Fatalf("got %q, want %q", got, w)
		}
	}
	expectNothing(t, r)
	expectNothing(t, other)
}

func TestRecursiveServesChildAndPersistentOnItsPath(t *testing.T) {
	h := newHarness(t, 0)
	r, _ := h.watch(t, "/r", KindPersistentRecursive, true, false)
	c, flag := h.watch(t, "/r", KindChild, true, true)
	if flag {
		t.Fatal("child watch on a recursive path must be served locally")
	}
	p, flag := h.watch(t, "/r", KindPersistent, true, false)
	if flag {
		t.Fatal("persistent watch on a recursive path must be served locally")
	}
	h.Notification(event(proto.EventNodeCreated, "/r/x"))
	h.Notification(event(proto.EventNodeChildrenChanged, "/r")) // duplicate source: ignored
	h.Notification(event(proto.EventNodeCreated, "/r/x/y"))     // grandchild: no children change of /r
	if ev := recv(t, c); ev.Type != proto.EventNodeChildrenChanged || ev.Path != "/r" {
		t.Fatalf("child watcher got %v", ev)
	}
	if ev := recv(t, p); ev.Type != proto.EventNodeChildrenChanged || ev.Path != "/r" {
		t.Fatalf("persistent watcher got %v", ev)
	}
	expectNothing(t, p)
	recv(t, r)
	recv(t, r)
	expectNothing(t, r)
}

func TestOverflowEndsOnlyTheSlowWatcher(t *testing.T) {
	h := newHarness(t, 4)
	slow, _ := h.watch(t, "/a", KindPersistent, true, false)
	fast, _ := h.watch(t, "/a", KindPersistent, true, false)
	for i := 0; i < 10; i++ {
		h.Notification(event(proto.EventNodeDataChanged, "/a"))
		recv(t, fast)
	}
	var got []Event
	for ev := range slow.Events() {
		got = append(got, ev)
	}
	if len(got) != 4 || !errors.Is(got[3].Err, ErrOverflow) {
		t.Fatalf("slow watcher got %v, want 3 events then ErrOverflow", got)
	}
	if h.Stats().Overflows != 1 {
		t.Fatalf("overflows = %d", h.Stats().Overflows)
	}
	h.Notification(event(proto.EventNodeDataChanged, "/a"))
	recv(t, fast)
	if len(h.removed) != 0 {
		t.Fatalf("fast watcher still holds the registration; removed %v", h.removed)
	}
}

func TestStateEventsNeverEndWatches(t *testing.T) {
	h := newHarness(t, 0)
	d, _ := h.watch(t, "/a", KindData, true, true)
	p, _ := h.watch(t, "/b", KindPersistent, true, false)
	h.StateChange(proto.StateDisconnected, false)
	h.StateChange(proto.StateDisconnected, false) // repeated: one event only
	expectNothing(t, d)
	if ev := recv(t, p); ev.Type != proto.EventNone || ev.State != proto.StateDisconnected || ev.Resync {
		t.Fatalf("got %v", ev)
	}
	h.StateChange(proto.StateSyncConnected, false)
	if ev := recv(t, p); ev.State != proto.StateSyncConnected || !ev.Resync || ev.Path != "/b" {
		t.Fatalf("want a resync marker, got %v", ev)
	}
	expectNothing(t, d)
	// The watches still work afterwards.
	h.Notification(event(proto.EventNodeDataChanged, "/a"))
	h.Notification(event(proto.EventNodeDataChanged, "/b"))
	recv(t, d)
	recv(t, p)
}

func TestRestoreLists(t *testing.T) {
	h := newHarness(t, 0)
	h.watch(t, "/d", KindData, true, true)
	h.watch(t, "/e-there", KindExist, true, true)
	h.watch(t, "/e-missing", KindExist, true, false)
	h.watch(t, "/c", KindChild, true, true)
	h.watch(t, "/p", KindPersistent, true, false)
	h.watch(t, "/r", KindPersistentRecursive, true, false)
	h.watch(t, "/p", KindData, true, true) // served locally, still restored by kind
	gone, _ := h.watch(t, "/gone", KindData, true, true)
	h.StateChange(proto.StateDisconnected, false)
	gone.Stop() // while disconnected: nothing sent, and not restored
	if len(h.removed) != 0 {
		t.Fatalf("removal sent while disconnected: %v", h.removed)
	}
	h.StateChange(proto.StateSyncConnected, false)
	s := h.Restore()
	for _, l := range [][]string{s.Data, s.Exist, s.Child, s.Persistent, s.Recursive} {
		sort.Strings(l)
	}
	want := Set{
		Data:       []string{"/d", "/e-there", "/p"},
		Exist:      []string{"/e-missing"},
		Child:      []string{"/c"},
		Persistent: []string{"/p"},
		Recursive:  []string{"/r"},
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("Restore = %+v\nwant %+v", s, want)
	}
}

func TestRestoreEndsChildServedByRecursive(t *testing.T) {
	h := newHarness(t, 0)
	r, _ := h.watch(t, "/r", KindPersistentRecursive, true, false)
	c, _ := h.watch(t, "/r", KindChild, true, true)
	h.StateChange(proto.StateDisconnected, false)
	h.StateChange(proto.StateSyncConnected, false)
	if ev := recv(t, c); !ev.Resync {
		t.Fatalf("child watcher got %v, want a resync end", ev)
	}
	expectClosed(t, c)
	recv(t, r) // disconnected
	recv(t, r) // resync
	if s := h.Restore(); len(s.Child) != 0 || len(s.Recursive) != 1 {
		t.Fatalf("Restore = %+v", s)
	}
}

func TestDuplicateDeleteAfterRestore(t *testing.T) {
	h := newHarness(t, 0)
	d, _ := h.watch(t, "/a", KindData, true, true)
	c, _ := h.watch(t, "/a", KindChild, true, true)
	r, _ := h.watch(t, "/", KindPersistentRecursive, true, false)
	h.StateChange(proto.StateDisconnected, false)
	h.StateChange(proto.StateSyncConnected, false)
	h.Restore()
	recv(t, r)
	recv(t, r)
	// The server answers the data list and the child list with one
	// NodeDeleted each.
	h.Notification(event(proto.EventNodeDeleted, "/a"))
	h.Notification(event(proto.EventNodeDeleted, "/a"))
	recv(t, d)
	recv(t, c)
	if ev := recv(t, r); ev.Type != proto.EventNodeDeleted {
		t.Fatalf("got %v", ev)
	}
	expectNothing(t, r)
	// A later life of /a is reported normally.
	h.Notification(event(proto.EventNodeCreated, "/a"))
	h.Notification(event(proto.EventNodeDeleted, "/a"))
	recv(t, r)
	if ev := recv(t, r); ev.Type != proto.EventNodeDeleted {
		t.Fatalf("got %v", ev)
	}
}

func TestEndAll(t *testing.T) {
	h := newHarness(t, 0)
	d, _ := h.watch(t, "/a", KindData, true, true)
	p, _ := h.watch(t, "/b", KindPersistentRecursive, true, false)
	pending, _ := h.Begin("/c", KindData, func(*Watcher, bool) error { return nil })
	h.EndAll(proto.StateExpired, proto.ErrSessionExpired)
	for _, w := range []*Watcher{d, p} {
		ev := recv(t, w)
		if !errors.Is(ev.Err, proto.ErrSessionExpired) || ev.State != proto.StateExpired {
			t.Fatalf("got %v", ev)
		}
		expectClosed(t, w)
	}
	pending.Commit(true, true) // a late reply from the dead session
	expectClosed(t, pending)
	if got := h.Watches(); len(got) != 0 {
		t.Fatalf("leftover %+v", got)
	}
	// A new session starts clean and works.
	h.StateChange(proto.StateSyncConnected, true)
	w, flag := h.watch(t, "/a", KindData, true, true)
	if !flag {
		t.Fatal("new session must register again")
	}
	h.Notification(event(proto.EventNodeDataChanged, "/a"))
	recv(t, w)
}

func TestNotKeptWhenPersistentRegistrationFails(t *testing.T) {
	h := newHarness(t, 0)
	p, err := h.Begin("/a", KindPersistent, func(*Watcher, bool) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	d, flag := h.watch(t, "/a", KindData, true, true)
	if flag {
		t.Fatal("served by the pending persistent watch")
	}
	_ = d
	p.Commit(false, false) // connection lost before addWatch was answered
	ev := recv(t, d)
	if !errors.Is(ev.Err, ErrNotKept) {
		t.Fatalf("got %v", ev)
	}
}

func TestManyRegisterStopCyclesLeaveNothing(t *testing.T) {
	h := newHarness(t, 0)
	for i := 0; i < 10000; i++ {
		path := fmt.Sprintf("/n%d", i%7)
		w, _ := h.watch(t, path, Kind(i%int(numKinds)), true, true)
		w.Stop()
	}
	if got := h.Watches(); len(got) != 0 {
		t.Fatalf("leftover %+v", got)
	}
	if s := h.Stats(); s.Paths != 0 || s.Watchers != 0 {
		t.Fatalf("stats %+v", s)
	}
	if len(h.removed) != 10000 {
		t.Fatalf("removals = %d, want one per cycle", len(h.removed))
	}
}

func TestWatchesListsSharedDataRegistrationOnce(t *testing.T) {
	h := newHarness(t, 0)
	h.watch(t, "/e", KindExist, true, false)
	regs := h.Watches()
	if len(regs) != 1 || regs[0].Kind != KindExist || !regs[0].Server || regs[0].Watchers != 1 {
		t.Fatalf("Watches = %+v, want one exist row", regs)
	}
}

// The de-duplication ends with the restore's reply: a node still there at
// restore time, deleted, re-created and watched again is reported deleted
// again.
func TestDeleteAfterRestoreDone(t *testing.T) {
	h := newHarness(t, 0)
	h.watch(t, "/a", KindData, true, true)
	h.watch(t, "/a", KindChild, true, true)
	h.StateChange(proto.StateDisconnected, false)
	h.StateChange(proto.StateSyncConnected, false)
	h.Restore()
	h.RestoreDone() // /a existed: no catch-up event
	h.Notification(event(proto.EventNodeDeleted, "/a"))
	d, _ := h.watch(t, "/a", KindData, true, true)
	r, _ := h.watch(t, "/", KindPersistentRecursive, true, false)
	h.Notification(event(proto.EventNodeDeleted, "/a"))
	if ev := recv(t, d); ev.Type != proto.EventNodeDeleted {
		t.Fatalf("data watcher: %v", ev)
	}
	if ev := recv(t, r); ev.Type != proto.EventNodeDeleted {
		t.Fatalf("recursive watcher: %v", ev)
	}
	if got := h.Watches(); len(got) != 1 || got[0].Kind != KindPersistentRecursive {
		t.Fatalf("Watches = %+v", got)
	}
}

// RemoveLocal never removes a server registration that a remaining watcher
// is served from, and never sends the 3.9-only persistent types.
func TestRemoveLocalKeepsWhatIsNeeded(t *testing.T) {
	h := newHarness(t, 0)
	p, _ := h.watch(t, "/a", KindPersistent, true, false)
	d, _ := h.watch(t, "/a", KindData, true, true)
	c, _ := h.watch(t, "/a", KindChild, true, true)
	if n := h.RemoveLocal("/a", KindData, nil); n != 1 {
		t.Fatalf("RemoveLocal(Data) = %d", n)
	}
	if ev := recv(t, d); ev.Type != proto.EventDataWatchRemoved || !errors.Is(ev.Err, ErrRemoved) {
		t.Fatalf("data watcher: %v", ev)
	}
	if n := h.RemoveLocal("/a", KindData, nil); n != 0 {
		t.Fatalf("second RemoveLocal(Data) = %d", n)
	}
	if len(h.removed) != 0 {
		t.Fatalf("removals sent: %+v", h.removed)
	}
	var mine []removal
	rm := func(p string, ty proto.WatcherType) { mine = append(mine, removal{p, ty}) }
	h.RemoveLocal("/a", KindPersistent, rm)
	recv(t, p)
	if len(mine) != 0 { // the child watcher is still served from it
		t.Fatalf("removals sent while a child watcher remains: %+v", mine)
	}
	h.RemoveLocal("/a", KindChild, rm)
	recv(t, c)
	if want := []removal{{"/a", proto.WatcherAny}}; !reflect.DeepEqual(mine, want) || len(h.removed) != 0 {
		t.Fatalf("removals = %+v (config's %+v), want %+v to rm", mine, h.removed, want)
	}
	if got := h.Watches(); len(got) != 0 {
		t.Fatalf("leftover %+v", got)
	}
}

// Watches carried into a new session (a read-only server's session
// replaced by a read-write server's) get the resync marker like after any
// reconnect; after expiry there is nobody left to get it.
func TestResyncOnCarriedSession(t *testing.T) {
	h := newHarness(t, 0)
	r, _ := h.watch(t, "/r", KindPersistentRecursive, true, false)
	h.StateChange(proto.StateDisconnected, false)
	h.StateChange(proto.StateSyncConnected, true)
	recv(t, r) // disconnected
	if ev := recv(t, r); !ev.Resync || ev.State != proto.StateSyncConnected {
		t.Fatalf("got %v, want the resync marker", ev)
	}
	h.EndAll(proto.StateExpired, proto.ErrSessionExpired)
	h.StateChange(proto.StateSyncConnected, true) // nothing to tell, nothing breaks
	if got := h.Watches(); len(got) != 0 {
		t.Fatalf("leftover %+v", got)
	}
}

// A registration begun just before an expiry reached the manager, whose
// request went out on the new session (WithNewSessionOnExpiry: conn fails
// the queued calls before it reports the expiry, so a call submitted in
// between survives), is a watch of the new session: the server holds it,
// so the manager tracks it and delivers its event.
func TestRegistrationAnsweredOnNewSession(t *testing.T) {
	h := newHarness(t, 0)
	w, err := h.Begin("/a", KindData, func(*Watcher, bool) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	h.EndAll(proto.StateExpired, proto.ErrSessionExpired)
	h.StateChange(proto.StateSyncConnected, true)
	w.Commit(true, true)
	if got := h.Watches(); len(got) != 1 || !got[0].Server || got[0].Watchers != 1 {
		t.Fatalf("Watches = %+v, want the data watch the server holds", got)
	}
	h.Notification(event(proto.EventNodeDataChanged, "/a"))
	if ev := recv(t, w); ev.Type != proto.EventNodeDataChanged {
		t.Fatalf("got %v", ev)
	}
	expectClosed(t, w)
	if got := h.Watches(); len(got) != 0 {
		t.Fatalf("leftover %+v", got)
	}
	// The same after Close ends: nothing is adopted by a closed manager.
	late, _ := h.Begin("/b", KindData, func(*Watcher, bool) error { return nil })
	h.EndAll(proto.StateClosed, errors.New("closed"))
	late.Commit(true, true)
	expectClosed(t, late)
	if got := h.Watches(); len(got) != 0 {
		t.Fatalf("leftover after Close %+v", got)
	}
}

// A one-shot that fired before anyone asked for its channel has it made at
// delivery, holding the event, then closed; one stopped unasked gets a
// closed channel; every call returns the same channel.
func TestEventsMadeLazily(t *testing.T) {
	h := newHarness(t, 0)
	fired, _ := h.watch(t, "/a", KindData, true, true)
	if fired.ch != nil {
		t.Fatal("channel made before anyone asked")
	}
	h.Notification(event(proto.EventNodeDataChanged, "/a"))
	if ev := recv(t, fired); ev.Type != proto.EventNodeDataChanged {
		t.Fatalf("got %v", ev)
	}
	expectClosed(t, fired)

	stopped, _ := h.watch(t, "/b", KindData, true, true)
	stopped.Stop()
	expectClosed(t, stopped)

	asked, _ := h.watch(t, "/c", KindExist, true, false)
	ch := asked.Events()
	if ch == nil || asked.Events() != ch {
		t.Fatal("Events returned nil or a different channel")
	}
	expectNothing(t, asked)
}
