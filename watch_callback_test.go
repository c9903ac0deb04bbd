package zk_test

import (
	"errors"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// A callback watch gets its event through the callback, has no channel,
// and a callback that blocks holds up neither the client's requests nor
// channel watches: only the callbacks queued after it.
func TestCallbackWatchBlockedNeverBlocksClient(t *testing.T) {
	c := connect(t)
	writer := connect(t)
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	for _, n := range []string{"/a", "/b", "/c"} {
		mustCreate(t, c, p+n, nil)
	}

	release := make(chan struct{})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	entered := make(chan zk.Event, 1)
	_, _, blocker, err := c.GetW(ctx, p+"/a", zk.OnEvent(func(ev zk.Event) {
		entered <- ev
		<-release
	}))
	if err != nil {
		t.Fatal(err)
	}
	if blocker.Events() != nil {
		t.Fatal("a callback watch has a channel")
	}
	later := make(chan zk.Event, 1)
	if _, _, _, err := c.GetW(ctx, p+"/b", zk.OnEvent(func(ev zk.Event) { later <- ev })); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Set(ctx, p+"/a", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-entered:
		if ev.Type != zk.EventNodeDataChanged || ev.Path != p+"/a" {
			t.Fatalf("callback got %v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the callback did not run")
	}
	// The callback is blocked now. The client still works, and channel
	// watches still fire.
	for i := 0; i < 20; i++ {
		if _, _, err := c.Get(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	_, _, cw, err := c.GetW(ctx, p+"/c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Set(ctx, p+"/c", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, cw, 10*time.Second); ev.Type != zk.EventNodeDataChanged {
		t.Fatalf("channel watch got %v", ev)
	}
	if _, err := writer.Set(ctx, p+"/b", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	// The /b callback is queued behind the blocked one: it must wait.
	if _, _, err := c.Get(ctx, p+"/b"); err != nil { // its notification came before this reply
		t.Fatal(err)
	}
	select {
	case ev := <-later:
		t.Fatalf("a callback ran while another was running: %v", ev)
	default:
	}
	close(release)
	select {
	case ev := <-later:
		if ev.Path != p+"/b" {
			t.Fatalf("later callback got %v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the queued callback did not run after the blocked one returned")
	}
}

// Stop of a callback watch: no callback after it, and the server watch is
// removed like a channel watch's.
func TestCallbackWatchStop(t *testing.T) {
	c := connect(t)
	writer := connect(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	ran := make(chan zk.Event, 1)
	w, err := c.AddWatch(ctx, p, zk.KindPersistent, zk.OnEvent(func(ev zk.Event) { ran <- ev }))
	if err != nil {
		t.Fatal(err)
	}
	if w.Kind() != zk.KindPersistent || w.Path() != p {
		t.Fatalf("Kind, Path = %v, %q", w.Kind(), w.Path())
	}
	w.Stop()
	eventually(t, 10*time.Second, func() error {
		if got := serverWatches(t, c.SessionID()); len(got) != 0 {
			return errors.New("server still holds the watch")
		}
		return nil
	})
	if _, err := writer.Set(ctx, p, []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	// A later watch's callback runs after any the stopped one could have
	// had: none must have come.
	next := make(chan zk.Event, 1)
	if _, _, _, err := c.GetW(ctx, p, zk.OnEvent(func(ev zk.Event) { next <- ev })); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Set(ctx, p, []byte("y"), -1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-next:
	case <-time.After(10 * time.Second):
		t.Fatal("no callback for the new watch")
	}
	select {
	case ev := <-ran:
		t.Fatalf("stopped watch's callback ran: %v", ev)
	default:
	}
}

// Options and kinds that do not apply are refused before anything is sent.
func TestWatchOptionsAndKindsRefused(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	p := testPath(t)
	for _, k := range []zk.WatchKind{zk.KindData, zk.KindExist, zk.KindChild, zk.KindAny, zk.WatchKind(99)} {
		if _, err := c.AddWatch(ctx, p, k); !errors.Is(err, zk.ErrInvalidArgument) {
			t.Errorf("AddWatch(%v) = %v, want ErrInvalidArgument", k, err)
		}
	}
	for _, k := range []zk.WatchKind{zk.KindPersistent, zk.KindPersistentRecursive, zk.WatchKind(99)} {
		if err := c.CheckWatches(ctx, p, k); !errors.Is(err, zk.ErrInvalidArgument) {
			t.Errorf("CheckWatches(%v) = %v, want ErrInvalidArgument", k, err)
		}
	}
	if err := c.RemoveWatches(ctx, p, zk.WatchKind(99), false); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Errorf("RemoveWatches(99) = %v, want ErrInvalidArgument", err)
	}
	if _, _, _, err := c.GetW(ctx, p, zk.ResumeAfterExpiry()); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Errorf("GetW(ResumeAfterExpiry) = %v, want ErrInvalidArgument", err)
	}
	if _, _, _, err := c.ExistsW(ctx, p, zk.OnEvent(nil)); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Errorf("ExistsW(OnEvent(nil)) = %v, want ErrInvalidArgument", err)
	}
	if _, err := zk.WatchData(ctx, c, p, zk.OnEvent(func(zk.Event) {})); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Errorf("WatchData(OnEvent) = %v, want ErrInvalidArgument", err)
	}
	if regs := c.Watches(); len(regs) != 0 {
		t.Fatalf("refused calls left registrations: %+v", regs)
	}
}

// Close returns after the final events of callback watches have been
// handled (their callbacks ran), as it does for the client's other
// goroutines.
func TestCloseRunsFinalCallbacks(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	const n = 200
	got := make(chan zk.Event, n)
	for i := 0; i < n; i++ {
		if _, _, _, err := c.GetW(ctx, p, zk.OnEvent(func(ev zk.Event) { got <- ev })); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	if len(got) != n {
		t.Fatalf("%d of %d final callbacks had run when Close returned", len(got), n)
	}
	for i := 0; i < n; i++ {
		if ev := <-got; !errors.Is(ev.Err, zk.ErrClosed) {
			t.Fatalf("final event %v, want ErrClosed", ev)
		}
	}
}
