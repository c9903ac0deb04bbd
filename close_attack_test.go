package zk_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// Close with every callback blocked: a state listener that never returns,
// another that calls Close itself, a SessionEvents reader and watch
// readers that never read. Close returns within its bounds, and so does
// every other Close.
func TestAttackCloseWithEverythingBlocked(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 30*time.Second)
	block := make(chan struct{})
	defer close(block)
	var cp atomic.Pointer[zk.Client]
	reentered := make(chan struct{})
	c := connect(t,
		zk.WithStateListener(func(s zk.State) {
			if s == zk.StateClosed {
				if c := cp.Load(); c != nil {
					c.Close()
					close(reentered)
				}
			}
		}),
		zk.WithStateListener(func(s zk.State) {
			if s == zk.StateClosed {
				<-block
			}
		}),
		zk.WithWatchBuffer(2),
	)
	cp.Store(c)
	_ = c.SessionEvents(ctx)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	w, err := c.AddWatch(ctx, p, zk.WatchPersistent)
	if err != nil {
		t.Fatal(err)
	}
	_, _, g, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ { // overflow the persistent watch's buffer
		if _, err := c.Set(ctx, p, []byte{byte(i)}, -1); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	done := make(chan struct{})
	go func() { c.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs with blocked callbacks")
	}
	t.Logf("Close returned after %v", time.Since(start).Round(time.Millisecond))
	c.Close()
	select {
	case <-reentered:
	case <-time.After(5 * time.Second):
		t.Fatal("Close called from a listener never returned")
	}
	for _, ch := range []<-chan zk.Event{w.C, g.C} {
		timeout := time.After(5 * time.Second)
	drain:
		for {
			select {
			case _, ok := <-ch:
				if !ok {
					break drain
				}
			case <-timeout:
				t.Fatal("watch channel not closed after Close")
			}
		}
	}
}
