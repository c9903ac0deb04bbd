package zk_test

import (
	"errors"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// RemoveWatches under a chroot removes the server watch of the chrooted
// path, and while disconnected it ends the local watch at once, sends
// nothing, and the watch is not restored on the next connection.
func TestAttackRemoveWatchesChrootAndDisconnected(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, time.Minute)
	px := startProxy(t, srv.Addr())
	rec := &stateRecorder{}
	c, root := chrooted(t, []string{px.Addr()}, zk.WithSessionTimeout(4*time.Second), zk.WithStateListener(rec.add))
	obs := connect(t)
	mustCreate(t, c, "/n", nil)
	mustCreate(t, c, "/m", nil)

	// Connected: the server's watch on root+"/n" goes.
	_, _, w, err := c.GetW(ctx, "/n")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckWatches(ctx, "/n", zk.KindData); err != nil {
		t.Fatalf("CheckWatches before removal: %v", err)
	}
	if err := c.RemoveWatches(ctx, "/n", zk.KindData, false); err != nil {
		t.Fatalf("RemoveWatches: %v", err)
	}
	if ev := nextEvent(t, w, 5*time.Second); ev.Type != zk.EventDataWatchRemoved || !errors.Is(ev.Err, zk.ErrWatchRemoved) {
		t.Fatalf("removed watch got %v", ev)
	}
	if err := c.CheckWatches(ctx, "/n", zk.KindData); !errors.Is(err, zk.ErrNoWatcher) {
		t.Fatalf("server still has the watch on %s/n: %v", root, err)
	}

	// Disconnected: ends locally at once.
	_, _, wm, err := c.GetW(ctx, "/m")
	if err != nil {
		t.Fatal(err)
	}
	kw, err := c.AddWatch(ctx, "/m", zk.KindPersistent)
	if err != nil {
		t.Fatal(err)
	}
	px.SetBlackhole(true)
	rec.waitFor(t, zk.StateDisconnected, 1, 10*time.Second)
	short := ctxFor(t, 3*time.Second)
	if err := c.RemoveWatches(short, "/m", zk.KindAny, false); err != nil {
		t.Fatalf("RemoveWatches while disconnected: %v", err)
	}
	if ev := nextEvent(t, wm, time.Second); ev.Type != zk.EventDataWatchRemoved {
		t.Fatalf("GetW watch got %v", ev)
	}
	// The persistent watch got a Disconnected state event first.
	for {
		ev := nextEvent(t, kw, time.Second)
		if ev.Type == zk.EventNone && ev.Err == nil {
			continue
		}
		if ev.Type != zk.EventPersistentWatchRemoved {
			t.Fatalf("persistent watch got %v", ev)
		}
		break
	}
	px.SetBlackhole(false)
	px.Cut()
	eventually(t, 15*time.Second, func() error {
		if s := c.State(); s != zk.StateConnected {
			return errors.New("not reconnected: " + s.String())
		}
		return nil
	})
	for _, ty := range []zk.WatchKind{zk.KindData, zk.KindChild} {
		if err := c.CheckWatches(ctx, "/m", ty); !errors.Is(err, zk.ErrNoWatcher) {
			t.Fatalf("removed watch restored on the server (type %d): %v", ty, err)
		}
	}
	if _, err := obs.Set(ctx, root+"/m", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	if w := c.Watches(); len(w) != 0 {
		t.Fatalf("registrations left: %+v", w)
	}
}

// The restore's de-duplication of NodeDeleted under a chroot: a node
// watched for data and children and deleted while disconnected gives each
// watch its NodeDeleted once; a deletion after the restore reaches the new
// watches (and a recursive watch on the chroot's root) instead of being
// taken for the restore's duplicate.
func TestAttackRestoreDedupUnderChroot(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, time.Minute)
	px := startProxy(t, srv.Addr())
	rec := &stateRecorder{}
	c, root := chrooted(t, []string{px.Addr()}, zk.WithSessionTimeout(6*time.Second), zk.WithStateListener(rec.add))
	obs := connect(t)
	mustCreate(t, c, "/n", nil)
	_, _, gw, err := c.GetW(ctx, "/n")
	if err != nil {
		t.Fatal(err)
	}
	_, _, cw, err := c.ChildrenW(ctx, "/n")
	if err != nil {
		t.Fatal(err)
	}
	rw, err := c.AddWatch(ctx, "/", zk.KindPersistentRecursive)
	if err != nil {
		t.Fatal(err)
	}
	px.SetBlackhole(true)
	rec.waitFor(t, zk.StateDisconnected, 1, 10*time.Second)
	if err := obs.Delete(ctx, root+"/n", -1); err != nil {
		t.Fatal(err)
	}
	px.SetBlackhole(false)
	px.Cut()
	for _, w := range []*zk.Watch{gw, cw} {
		if ev := nextEvent(t, w, 15*time.Second); ev.Type != zk.EventNodeDeleted || ev.Path != "/n" {
			t.Fatalf("one-shot on /n got %v", ev)
		}
	}
	eventually(t, 10*time.Second, func() error {
		if c.State() != zk.StateConnected {
			return errors.New("not connected")
		}
		return nil
	})
	// Recreated and deleted after the restore: a new life, new events.
	if _, err := obs.Create(ctx, root+"/n", nil, zk.Persistent, open); err != nil {
		t.Fatal(err)
	}
	ok, _, ew, err := c.ExistsW(ctx, "/n")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	_, _, cw2, err := c.ChildrenW(ctx, "/n")
	if err != nil {
		t.Fatal(err)
	}
	if err := obs.Delete(ctx, root+"/n", -1); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*zk.Watch{ew, cw2} {
		if ev := nextEvent(t, w, 10*time.Second); ev.Type != zk.EventNodeDeleted || ev.Path != "/n" {
			t.Fatalf("after the restore, a watch on /n got %v", ev)
		}
	}
	// The recursive watch: a resync, maybe the restore's catch-up deletion
	// (once), then the recreation and the deletion.
	var seen []zk.EventType
	deadline := time.After(10 * time.Second)
	for len(seen) < 2 || seen[len(seen)-1] != zk.EventNodeDeleted || seen[len(seen)-2] != zk.EventNodeCreated {
		select {
		case ev, ok := <-rw.Events():
			if !ok {
				t.Fatal("recursive watch closed")
			}
			if ev.Type != zk.EventNone {
				if ev.Path != "/n" {
					t.Fatalf("recursive watch: event on %q, want /n", ev.Path)
				}
				seen = append(seen, ev.Type)
			}
		case <-deadline:
			t.Fatalf("recursive watch saw %v, want NodeCreated and NodeDeleted of /n", seen)
		}
	}
	if len(seen) > 3 || (len(seen) == 3 && seen[0] != zk.EventNodeDeleted) {
		t.Fatalf("recursive watch saw %v, want [(NodeDeleted) NodeCreated NodeDeleted]", seen)
	}
}
