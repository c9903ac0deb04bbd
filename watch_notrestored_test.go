package zk_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// A watch whose path alone makes a restore packet exceed the packet limit
// (possible: SetWatches carries 27 more bytes than getData or addWatch)
// cannot be re-registered after a reconnect. It must end with
// ErrWatchNotRestored, not silently never fire again; the other watches go
// on, and Watches() no longer lists the ended ones.
func TestWatchNotRestoredEnds(t *testing.T) {
	const limit = 1024
	proxy := startProxy(t, srv.Addr())
	c := connectTo(t, []string{proxy.Addr()}, zk.WithMaxPacketSize(limit))
	writer := connect(t)
	ctx := ctxFor(t, time.Minute)
	root := testPath(t)
	mustCreate(t, writer, root, nil)
	// getData frame: path+17 bytes, addWatch: path+20, SetWatches: path+44.
	long := root + "/" + strings.Repeat("x", limit-21-len(root)-1)
	short := root + "/short"
	mustCreate(t, writer, long, nil)
	mustCreate(t, writer, short, nil)

	_, _, longData, err := c.GetW(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	longPers, err := c.AddWatch(ctx, long, zk.KindPersistent)
	if err != nil {
		t.Fatal(err)
	}
	_, _, shortData, err := c.GetW(ctx, short)
	if err != nil {
		t.Fatal(err)
	}
	shortPers, err := c.AddWatch(ctx, short, zk.KindPersistent)
	if err != nil {
		t.Fatal(err)
	}

	proxy.Cut()
	// A request answered after the reconnect: the restore went before it.
	eventually(t, 30*time.Second, func() error { _, _, err := c.Get(ctx, root); return err })

	for _, w := range []*zk.Watch{longData, longPers} {
		for {
			ev := nextEvent(t, w, 10*time.Second)
			if ev.Err == nil && ev.Type == zk.EventNone {
				continue // the persistent watch's state events
			}
			if !errors.Is(ev.Err, zk.ErrWatchNotRestored) || !errors.Is(ev.Err, zk.ErrPacketTooLarge) {
				t.Fatalf("%v watch on the long path: %v, want an end with ErrWatchNotRestored and ErrPacketTooLarge", w.Kind(), ev)
			}
			break
		}
		select {
		case ev, ok := <-w.Events():
			if ok {
				t.Fatalf("%v watch on the long path: %v after its end, want the channel closed", w.Kind(), ev)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v watch on the long path: channel not closed after its final event", w.Kind())
		}
	}
	for _, r := range c.Watches() {
		if r.Path == long {
			t.Fatalf("Watches() still lists %v on the long path: %+v", r.Kind, r)
		}
	}

	if _, err := writer.Set(ctx, short, []byte("1"), -1); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, shortData, 10*time.Second); ev.Type != zk.EventNodeDataChanged || ev.Err != nil {
		t.Fatalf("data watch on %s: %v, want NodeDataChanged", short, ev)
	}
	for {
		ev := nextEvent(t, shortPers, 10*time.Second)
		if ev.Type == zk.EventNone && ev.Err == nil {
			continue
		}
		if ev.Type != zk.EventNodeDataChanged || ev.Err != nil {
			t.Fatalf("persistent watch on %s: %v, want NodeDataChanged", short, ev)
		}
		break
	}
}
