package zk_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// serverWatches returns the paths the server holds data watches on for one
// session (wchc lists the data table: exists, getData, persistent).
func serverWatches(t testing.TB, session int64) []string {
	t.Helper()
	m, err := srv.WatchesBySession(ctxFor(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return m[session]
}

func TestThousandWatchersOneServerWatch(t *testing.T) {
	c := connect(t)
	writer := connect(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	var ws []*zk.Watch
	for i := 0; i < 1000; i++ {
		var w *zk.Watch
		var err error
		if i%2 == 0 {
			_, _, w, err = c.GetW(ctx, p)
		} else {
			_, _, w, err = c.ExistsW(ctx, p)
		}
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	if got := serverWatches(t, c.SessionID()); len(got) != 1 || got[0] != p {
		t.Fatalf("server watches for the session = %v, want exactly [%s]", got, p)
	}
	regs := c.Watches()
	if len(regs) != 2 || regs[0].Watchers+regs[1].Watchers != 1000 {
		t.Fatalf("Watches = %+v", regs)
	}
	if _, err := writer.Set(ctx, p, []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if ev := nextEvent(t, w, 10*time.Second); ev.Type != zk.EventNodeDataChanged {
			t.Fatalf("got %v", ev)
		}
		if _, ok := <-w.C; ok {
			t.Fatal("a one-shot watch delivered a second event")
		}
	}
	if regs := c.Watches(); len(regs) != 0 {
		t.Fatalf("after firing: %+v", regs)
	}
}

func TestStopRemovesServerWatchAndNothingGrows(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 120*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	var ws []*zk.Watch
	for i := 0; i < 10; i++ {
		_, _, w, err := c.GetW(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	pw, err := c.AddWatch(ctx, p, zk.WatchPersistent)
	if err != nil {
		t.Fatal(err)
	}
	if got := serverWatches(t, c.SessionID()); len(got) != 1 {
		t.Fatalf("server watches %v", got)
	}
	for _, w := range ws {
		w.Stop()
	}
	pw.Stop()
	eventually(t, 10*time.Second, func() error {
		if got := serverWatches(t, c.SessionID()); len(got) != 0 {
			return fmt.Errorf("server still watches %v", got)
		}
		return nil
	})

	// 10,000 register/stop cycles: neither the server nor the client grows.
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < 10000; i++ {
		var w *zk.Watch
		var err error
		switch i % 3 {
		case 0:
			_, _, w, err = c.GetW(ctx, p)
		case 1:
			_, _, w, err = c.ChildrenW(ctx, p)
		case 2:
			w, err = c.AddWatch(ctx, p, zk.WatchPersistentRecursive)
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Stop()
	}
	eventually(t, 10*time.Second, func() error {
		if got := serverWatches(t, c.SessionID()); len(got) != 0 {
			return fmt.Errorf("server still watches %v", got)
		}
		return nil
	})
	if regs := c.Watches(); len(regs) != 0 {
		t.Fatalf("client registrations left: %+v", regs)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grow := int64(after.HeapAlloc) - int64(before.HeapAlloc); grow > 4<<20 {
		t.Fatalf("heap grew by %d bytes over 10,000 cycles", grow)
	}
}

func TestExistsAndGetShareOneNotification(t *testing.T) {
	c := connect(t)
	writer := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	_, _, wg, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, _, we, err := c.ExistsW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Set(ctx, p, nil, -1); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, wg, 5*time.Second)
	nextEvent(t, we, 5*time.Second)
	// A second change is not reported: both watches were one-shot.
	if _, err := writer.Set(ctx, p, nil, -1); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-wg.C; ok {
		t.Fatal("second event on a one-shot watch")
	}
}

func TestExistsWatchOnMissingNode(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	p := testPath(t)
	ok, st, w, err := c.ExistsW(ctx, p)
	if err != nil || ok || st != nil || w == nil {
		t.Fatalf("ExistsW on a missing node = %v %v %v %v", ok, st, w, err)
	}
	if _, _, _, err := c.GetW(ctx, p); !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("GetW on a missing node: %v", err)
	}
	mustCreate(t, c, p, nil)
	if ev := nextEvent(t, w, 5*time.Second); ev.Type != zk.EventNodeCreated {
		t.Fatalf("got %v", ev)
	}
	// GetW's failed registration left nothing behind.
	if regs := c.Watches(); len(regs) != 0 {
		t.Fatalf("Watches = %+v", regs)
	}
}

func TestChildrenWatch(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	kids, _, w, err := c.ChildrenW(ctx, p)
	if err != nil || len(kids) != 0 {
		t.Fatal(kids, err)
	}
	mustCreate(t, c, p+"/a", nil)
	if ev := nextEvent(t, w, 5*time.Second); ev.Type != zk.EventNodeChildrenChanged || ev.Path != p {
		t.Fatalf("got %v", ev)
	}
}

// On 3.6–3.8 servers a getData watch on a path with a persistent watch
// turns the persistent one into a one-shot (ZOOKEEPER-4466). The client
// must hide that: the persistent watch keeps firing.
func TestPersistentSurvivesOneShotOnSamePath(t *testing.T) {
	c := connect(t)
	writer := connect(t)
	ctx := ctxFor(t, 20*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	pw, err := c.AddWatch(ctx, p, zk.WatchPersistent)
	if err != nil {
		t.Fatal(err)
	}
	_, _, gw, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, _, cw, err := c.ChildrenW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := writer.Set(ctx, p, []byte{byte(i)}, -1); err != nil {
			t.Fatal(err)
		}
		if ev := nextEvent(t, pw, 5*time.Second); ev.Type != zk.EventNodeDataChanged {
			t.Fatalf("persistent watch event %d: %v", i, ev)
		}
	}
	nextEvent(t, gw, time.Second)
	mustCreate(t, writer, p+"/kid", nil)
	if ev := nextEvent(t, cw, 5*time.Second); ev.Type != zk.EventNodeChildrenChanged {
		t.Fatalf("child watch served by the persistent one: %v", ev)
	}
	if ev := nextEvent(t, pw, 5*time.Second); ev.Type != zk.EventNodeChildrenChanged {
		t.Fatalf("persistent watch: %v", ev)
	}
	// Stopping the persistent watch removes it on the server (3.8 needs type Any).
	pw.Stop()
	eventually(t, 10*time.Second, func() error {
		if got := serverWatches(t, c.SessionID()); len(got) != 0 {
			return fmt.Errorf("server still watches %v", got)
		}
		return nil
	})
}

func TestRecursiveWatchOnSubtree(t *testing.T) {
	c := connect(t, zk.WithWatchBuffer(4096)) // the test reads only after writing

	writer := connect(t)
	ctx := ctxFor(t, 120*time.Second)
	root := testPath(t)
	mustCreate(t, writer, root, nil)
	w, err := c.AddWatch(ctx, root, zk.WatchPersistentRecursive)
	if err != nil {
		t.Fatal(err)
	}
	// A standard child watch inside the subtree makes 3.8 send
	// NodeChildrenChanged on the connection; the recursive watch must not
	// see it.
	_, _, cw, err := c.ChildrenW(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	type ev struct {
		ty zk.EventType
		p  string
	}
	var want []ev
	const n = 1000
	var ops []zk.Op
	for i := 0; i < n; i++ {
		dir := fmt.Sprintf("%s/d%02d", root, i/100)
		if i%100 == 0 {
			ops = append(ops, zk.CreateOp(dir, nil, zk.Persistent, open))
			want = append(want, ev{zk.EventNodeCreated, dir})
		}
		leaf := fmt.Sprintf("%s/n%03d", dir, i)
		ops = append(ops, zk.CreateOp(leaf, nil, zk.Persistent, open))
		want = append(want, ev{zk.EventNodeCreated, leaf})
	}
	for i := 0; i < len(ops); i += 100 {
		end := min(i+100, len(ops))
		if _, err := writer.Multi(ctx, ops[i:end]...); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i += 7 {
		leaf := fmt.Sprintf("%s/d%02d/n%03d", root, i/100, i)
		if _, err := writer.Set(ctx, leaf, []byte("x"), -1); err != nil {
			t.Fatal(err)
		}
		want = append(want, ev{zk.EventNodeDataChanged, leaf})
	}
	for i := 0; i < n; i += 5 {
		leaf := fmt.Sprintf("%s/d%02d/n%03d", root, i/100, i)
		if err := writer.Delete(ctx, leaf, -1); err != nil {
			t.Fatal(err)
		}
		want = append(want, ev{zk.EventNodeDeleted, leaf})
	}
	for i, wv := range want {
		got := nextEvent(t, w, 20*time.Second)
		if got.Type != wv.ty || got.Path != wv.p {
			t.Fatalf("event %d: got %v %s, want %v %s", i, got.Type, got.Path, wv.ty, wv.p)
		}
	}
	noEvent(t, w, 300*time.Millisecond)
	nextEvent(t, cw, time.Second) // the standard child watch did fire
	// The watch keeps firing.
	if _, err := writer.Set(ctx, root, []byte("again"), -1); err != nil {
		t.Fatal(err)
	}
	if got := nextEvent(t, w, 5*time.Second); got.Type != zk.EventNodeDataChanged || got.Path != root {
		t.Fatalf("got %v", got)
	}
}

func TestStuckWatcherOverflowsAlone(t *testing.T) {
	c := connect(t, zk.WithWatchBuffer(16))
	writer := connect(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	stuck, err := c.AddWatch(ctx, p, zk.WatchPersistent)
	if err != nil {
		t.Fatal(err)
	}
	live, err := c.AddWatch(ctx, p, zk.WatchPersistent)
	if err != nil {
		t.Fatal(err)
	}
	liveDone := make(chan struct{})
	got := 0
	go func() {
		defer close(liveDone)
		for ev := range live.C {
			if ev.Type == zk.EventNodeDataChanged {
				got++
				if got == 100 {
					return
				}
			}
		}
	}()
	for i := 0; i < 100; i++ {
		if _, err := writer.Set(ctx, p, nil, -1); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Get(ctx, p); err != nil { // ordinary calls unaffected
			t.Fatal(err)
		}
	}
	select {
	case <-liveDone:
	case <-time.After(30 * time.Second):
		live.Stop() // ends the reader's range loop
		<-liveDone
		t.Fatalf("live watcher got %d of 100 events within 30s", got)
	}
	if got != 100 {
		t.Fatalf("live watcher got %d of 100", got)
	}
	var last zk.Event
	n := 0
	for ev := range stuck.C {
		last = ev
		n++
	}
	if n != 16 || !errors.Is(last.Err, zk.ErrWatchOverflow) {
		t.Fatalf("stuck watcher: %d events, last %v; want 15 then ErrWatchOverflow", n, last)
	}
	live.Stop()
}

func TestWatchDataFollowsChanges(t *testing.T) {
	c := connect(t)
	writer := connect(t)
	ctx, cancel := context.WithCancel(ctxFor(t, 30*time.Second))
	p := testPath(t)
	updates, err := zk.WatchData(ctx, c, p)
	if err != nil {
		t.Fatal(err)
	}
	if u := <-updates; u.Stat != nil || u.Err != nil {
		t.Fatalf("missing node: %+v", u)
	}
	mustCreate(t, writer, p, []byte("0"))
	if u := <-updates; string(u.Data) != "0" {
		t.Fatalf("got %+v", u)
	}
	// Many changes between notification and re-arm: the last one is seen.
	for i := 1; i <= 50; i++ {
		if _, err := writer.Set(ctx, p, []byte(fmt.Sprint(i)), -1); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case u := <-updates:
			if string(u.Data) == "50" {
				cancel()
				for range updates {
				}
				return
			}
		case <-deadline:
			t.Fatal("never saw the last state")
		}
	}
}

func TestCloseEndsWatches(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	_, _, w, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := c.AddWatch(ctx, p, zk.WatchPersistentRecursive)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	for _, x := range []*zk.Watch{w, pw} {
		ev := nextEvent(t, x, 5*time.Second)
		if !errors.Is(ev.Err, zk.ErrClosed) {
			t.Fatalf("final event %v, want ErrClosed", ev)
		}
		if _, ok := <-x.C; ok {
			t.Fatal("channel not closed after the final event")
		}
	}
	if _, _, err := c.Get(ctx, p); !errors.Is(err, zk.ErrClosed) {
		t.Fatalf("call after Close: %v", err)
	}
	c.Close() // a second Close is harmless
}
