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
	if err := c.CheckWatches(ctx, "/n", zk.WatcherData); err != nil {
		t.Fatalf("CheckWatches before removal: %v", err)
	}
	if err := c.RemoveWatches(ctx, "/n", zk.WatcherData, false); err != nil {
		t.Fatalf("RemoveWatches: %v", err)
	}
	if ev := nextEvent(t, w, 5*time.Second); ev.Type != zk.EventDataWatchRemoved || !errors.Is(ev.Err, zk.ErrWatchRemoved) {
		t.Fatalf("removed watch got %v", ev)
	}
	if err := c.CheckWatches(ctx, "/n", zk.WatcherData); !errors.Is(err, zk.ErrNoWatcher) {
		t.Fatalf("server still has the watch on %s/n: %v", root, err)
	}

	// Disconnected: ends locally at once.
	_, _, wm, err := c.GetW(ctx, "/m")
	if err != nil {
		t.Fatal(err)
	}
	kw, err := c.AddWatch(ctx, "/m", zk.WatchPersistent)
	if err != nil {
		t.Fatal(err)
	}
	px.SetBlackhole(true)
	rec.waitFor(t, zk.StateDisconnected, 1, 10*time.Second)
	short := ctxFor(t, 3*time.Second)
	if err := c.RemoveWatches(short, "/m", zk.WatcherAny, false); err != nil {
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
	for _, ty := range []zk.WatcherType{zk.WatcherData, zk.WatcherChildren} {
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
