package zk_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// serverAgrees checks that the server's data watches for the session
// (wchc) and the client's Watches() say the same about path p: the server
// holds a data-table watch exactly when a listed registration of a kind
// that uses the data table is on the server.
func serverAgrees(t *testing.T, c *zk.Client, p string, want bool) {
	t.Helper()
	eventually(t, 10*time.Second, func() error {
		onServer := slices.Contains(serverWatches(t, c.SessionID()), p)
		client := false
		for _, r := range c.Watches() {
			if r.Path == p && r.Server && r.Kind != zk.KindChild {
				client = true
			}
		}
		if onServer != want || client != want {
			return fmt.Errorf("%s: wchc lists it: %v, Watches() says on server: %v (%+v); want %v",
				p, onServer, client, c.Watches(), want)
		}
		return nil
	})
	t.Logf("wchc for %s: on server=%v; Watches=%+v", p, want, c.Watches())
}

// RemoveWatches of one-shot types on a path with a persistent watch ends
// the one-shots only: the persistent registration, which they were served
// from, stays on the server and keeps firing.
func TestRemoveWatchesKeepsPersistent(t *testing.T) {
	c := connect(t)
	writer := connect(t)
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	mustCreate(t, writer, p, nil)
	pw, err := c.AddWatch(ctx, p, zk.KindPersistent)
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Stop()
	_, _, dw, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, _, cw, err := c.ChildrenW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	serverAgrees(t, c, p, true)

	if err := c.RemoveWatches(ctx, p, zk.KindData, false); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, dw, 5*time.Second); ev.Type != zk.EventDataWatchRemoved || !errors.Is(ev.Err, zk.ErrWatchRemoved) {
		t.Fatalf("removed data watch: %v", ev)
	}
	serverAgrees(t, c, p, true)
	if _, err := writer.Set(ctx, p, []byte("1"), -1); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, pw, 5*time.Second); ev.Type != zk.EventNodeDataChanged {
		t.Fatalf("persistent watch after RemoveWatches(Data): %v", ev)
	}

	if err := c.RemoveWatches(ctx, p, zk.KindChild, false); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, cw, 5*time.Second); ev.Type != zk.EventChildWatchRemoved {
		t.Fatalf("removed child watch: %v", ev)
	}
	serverAgrees(t, c, p, true)
	mustCreate(t, writer, p+"/a", nil)
	if ev := nextEvent(t, pw, 5*time.Second); ev.Type != zk.EventNodeChildrenChanged {
		t.Fatalf("persistent watch after RemoveWatches(Children): %v", ev)
	}
	// Nothing of that type is left: NoWatcher, and nothing changes.
	if err := c.RemoveWatches(ctx, p, zk.KindData, false); !errors.Is(err, zk.ErrNoWatcher) {
		t.Fatalf("RemoveWatches with no data watch left: %v", err)
	}
	serverAgrees(t, c, p, true)
	if _, err := writer.Set(ctx, p, []byte("2"), -1); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, pw, 5*time.Second); ev.Type != zk.EventNodeDataChanged {
		t.Fatalf("persistent watch after a refused RemoveWatches: %v", ev)
	}
}

// The same with a recursive watch: removing a one-shot on its path must not
// silence the whole subtree.
func TestRemoveWatchesKeepsRecursive(t *testing.T) {
	c := connect(t)
	writer := connect(t)
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	mustCreate(t, writer, p, nil)
	rw, err := c.AddWatch(ctx, p, zk.KindPersistentRecursive)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Stop()
	_, _, dw, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveWatches(ctx, p, zk.KindData, false); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, dw, 5*time.Second); ev.Type != zk.EventDataWatchRemoved {
		t.Fatalf("removed data watch: %v", ev)
	}
	serverAgrees(t, c, p, true)
	mustCreate(t, writer, p+"/a", nil)
	if ev := nextEvent(t, rw, 5*time.Second); ev.Type != zk.EventNodeCreated || ev.Path != p+"/a" {
		t.Fatalf("recursive watch after RemoveWatches(Data): %v", ev)
	}
}

// The persistent types remove AddWatch watches on a 3.8 server, which does
// not know them on the wire: what remains on the path keeps its server
// registration.
func TestRemoveWatchesPersistentTypes(t *testing.T) {
	c := connect(t)
	writer := connect(t)
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	mustCreate(t, writer, p, nil)

	// Persistent alone: removed on the server too.
	pw, err := c.AddWatch(ctx, p, zk.KindPersistent)
	if err != nil {
		t.Fatal(err)
	}
	serverAgrees(t, c, p, true)
	if err := c.RemoveWatches(ctx, p, zk.KindPersistent, false); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, pw, 5*time.Second); ev.Type != zk.EventPersistentWatchRemoved || !errors.Is(ev.Err, zk.ErrWatchRemoved) {
		t.Fatalf("removed persistent watch: %v", ev)
	}
	serverAgrees(t, c, p, false)

	// Recursive with a one-shot served from it: the one-shot keeps the
	// registration until it fires, then it goes.
	rw, err := c.AddWatch(ctx, p, zk.KindPersistentRecursive)
	if err != nil {
		t.Fatal(err)
	}
	_, _, dw, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveWatches(ctx, p, zk.KindPersistentRecursive, false); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, rw, 5*time.Second); ev.Type != zk.EventPersistentWatchRemoved {
		t.Fatalf("removed recursive watch: %v", ev)
	}
	serverAgrees(t, c, p, true)
	if _, err := writer.Set(ctx, p, []byte("1"), -1); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, dw, 5*time.Second); ev.Type != zk.EventNodeDataChanged {
		t.Fatalf("one-shot after its recursive watch was removed: %v", ev)
	}
	serverAgrees(t, c, p, false)
	if err := c.RemoveWatches(ctx, p, zk.KindPersistent, false); !errors.Is(err, zk.ErrNoWatcher) {
		t.Fatalf("nothing left to remove: %v", err)
	}
	if err := c.RemoveWatches(ctx, p, zk.WatchKind(9), false); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Fatalf("unknown type: %v", err)
	}
	if err := c.CheckWatches(ctx, p, zk.KindPersistent); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Fatalf("CheckWatches(Persistent): %v", err)
	}
}
