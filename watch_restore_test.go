package zk_test

import (
	"slices"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// A path restored in both the data and the child list makes the server send
// NodeDeleted twice only when the node is missing at restore time; the
// de-duplication of that pair must end with the restore. Here the node is
// still there at restore time, is deleted, re-created and watched again:
// its next deletion is a new event that every watcher must get.
func TestDeleteAfterRestoreOfDataAndChildWatch(t *testing.T) {
	proxy := startProxy(t, srv.Addr())
	rec := &stateRecorder{}
	c := connectTo(t, []string{proxy.Addr()}, zk.WithSessionTimeout(20*time.Second), zk.WithStateListener(rec.add))
	writer := connect(t)
	ctx := ctxFor(t, 60*time.Second)
	root := testPath(t)
	p := root + "/n"
	mustCreate(t, writer, root, nil)
	mustCreate(t, writer, p, nil)
	_, _, dw, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, _, cw, err := c.ChildrenW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}

	proxy.Cut()
	rec.waitFor(t, zk.StateConnected, 2, 30*time.Second)
	// Any reply comes after the restore's: the watches are back.
	if _, _, err := c.Get(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := writer.Delete(ctx, p, -1); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*zk.Watch{dw, cw} {
		if ev := nextEvent(t, w, 10*time.Second); ev.Type != zk.EventNodeDeleted {
			t.Fatalf("watch on %s: %v, want NodeDeleted", w.Path(), ev)
		}
	}

	// A new life of p, watched by a one-shot and a recursive watch on its
	// parent (added after the creation, so neither saw a NodeCreated).
	mustCreate(t, writer, p, nil)
	rw, err := c.AddWatch(ctx, root, zk.KindPersistentRecursive)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Stop()
	_, _, dw2, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := writer.Delete(ctx, p, -1); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, dw2, 10*time.Second); ev.Type != zk.EventNodeDeleted {
		t.Fatalf("second one-shot on %s: %v, want NodeDeleted", p, ev)
	}
	if ev := nextEvent(t, rw, 10*time.Second); ev.Type != zk.EventNodeDeleted || ev.Path != p {
		t.Fatalf("recursive watch on %s: %v, want NodeDeleted %s", root, ev, p)
	}
	for _, r := range c.Watches() {
		if r.Path == p {
			t.Fatalf("Watches still lists %+v after the watch fired", r)
		}
	}
	if got := serverWatches(t, c.SessionID()); slices.Contains(got, p) {
		t.Fatalf("server still watches %s: %v", p, got)
	}
}

// The other side of the same de-duplication: a node deleted while
// disconnected is reported once to a recursive watch, although the server
// sends NodeDeleted for both the data and the child list.
func TestDeleteWhileDisconnectedReportedOnce(t *testing.T) {
	proxy := startProxy(t, srv.Addr())
	rec := &stateRecorder{}
	c := connectTo(t, []string{proxy.Addr()}, zk.WithSessionTimeout(20*time.Second), zk.WithStateListener(rec.add))
	writer := connect(t)
	ctx := ctxFor(t, 60*time.Second)
	root := testPath(t)
	p := root + "/n"
	mustCreate(t, writer, root, nil)
	mustCreate(t, writer, p, nil)
	rw, err := c.AddWatch(ctx, root, zk.KindPersistentRecursive)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Stop()
	_, _, dw, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, _, cw, err := c.ChildrenW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	proxy.SetRefuse(true)
	proxy.Cut()
	rec.waitFor(t, zk.StateDisconnected, 1, 30*time.Second)
	if err := writer.Delete(ctx, p, -1); err != nil {
		t.Fatal(err)
	}
	proxy.SetRefuse(false)
	for _, w := range []*zk.Watch{dw, cw} {
		if ev := nextEvent(t, w, 30*time.Second); ev.Type != zk.EventNodeDeleted {
			t.Fatalf("watch on %s: %v, want NodeDeleted", w.Path(), ev)
		}
	}
	for _, want := range []string{"disconnected", "resync", "deleted"} {
		ev := nextEvent(t, rw, 10*time.Second)
		ok := false
		switch want {
		case "disconnected":
			ok = ev.Type == zk.EventNone && ev.State == zk.StateDisconnected
		case "resync":
			ok = ev.Resync
		case "deleted":
			ok = ev.Type == zk.EventNodeDeleted && ev.Path == p
		}
		if !ok {
			t.Fatalf("recursive watch: %v, want %s", ev, want)
		}
	}
	// The next event is the next change, not a second NodeDeleted.
	mustCreate(t, writer, root+"/m", nil)
	if ev := nextEvent(t, rw, 10*time.Second); ev.Type != zk.EventNodeCreated || ev.Path != root+"/m" {
		t.Fatalf("recursive watch: %v, want NodeCreated %s/m", ev, root)
	}
}
