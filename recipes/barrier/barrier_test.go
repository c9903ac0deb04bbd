package barrier_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/barrier"
)

func TestBarrierHoldsUntilRemoved(t *testing.T) {
	ctx := ctxFor(t, 60*time.Second)
	path := testPath(t) + "/b"
	owner, err := barrier.New(connect(t, ""), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.Wait(ctx); err != nil {
		t.Fatalf("Wait on a barrier never set: %v", err)
	}
	if err := owner.Set(ctx); err != nil {
		t.Fatal(err)
	}
	if err := owner.Set(ctx); err != nil {
		t.Fatalf("second Set: %v", err)
	}
	var removed atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		b, _ := barrier.New(connect(t, ""), path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.Wait(ctx); err != nil {
				errs <- err
				return
			}
			if !removed.Load() {
				errs <- errors.New("Wait returned before Remove")
			}
		}()
	}
	time.Sleep(300 * time.Millisecond) // let the waiters block
	removed.Store(true)
	if err := owner.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := owner.Remove(ctx); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
}

func TestBarrierWaitEndsWithContext(t *testing.T) {
	path := testPath(t)
	b, _ := barrier.New(connect(t, ""), path)
	if err := b.Set(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := b.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want DeadlineExceeded", err)
	}
}

func TestDoubleBarrierFive(t *testing.T) {
	const n = 5
	ctx := ctxFor(t, 2*time.Minute)
	path := testPath(t) + "/db"
	var entering, leaving atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		d, err := barrier.NewDouble(connect(t, ""), path, n)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Staggered arrivals: an early Enter would see fewer than n.
			time.Sleep(time.Duration(i) * 150 * time.Millisecond)
			entering.Add(1)
			if err := d.Enter(ctx); err != nil {
				errs <- fmt.Errorf("enter %d: %w", i, err)
				return
			}
			if got := entering.Load(); got != n {
				errs <- fmt.Errorf("participant %d passed Enter with %d of %d entering", i, got, n)
			}
			time.Sleep(time.Duration(n-i) * 150 * time.Millisecond)
			leaving.Add(1)
			if err := d.Leave(ctx); err != nil {
				errs <- fmt.Errorf("leave %d: %w", i, err)
				return
			}
			if got := leaving.Load(); got != n {
				errs <- fmt.Errorf("participant %d passed Leave with %d of %d leaving", i, got, n)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	children, _, err := connect(t, "").Children(ctx, path)
	if err != nil || len(children) != 0 {
		t.Fatalf("after the round: children %v, %v; want none", children, err)
	}
}

// TestDoubleBarrierEnterGivesUp: a participant whose ctx ends takes its
// node out, so it is not counted.
func TestDoubleBarrierEnterGivesUp(t *testing.T) {
	c := connect(t, "")
	path := testPath(t)
	d, _ := barrier.NewDouble(c, path, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := d.Enter(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Enter = %v, want DeadlineExceeded", err)
	}
	children, _, err := c.Children(ctxFor(t, 10*time.Second), path)
	if err != nil || len(children) != 0 {
		t.Fatalf("after giving up: children %v, %v; want none", children, err)
	}
	if _, err := barrier.NewDouble(c, path, 0); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Fatalf("NewDouble(0) = %v", err)
	}
	if _, err := barrier.New(c, "nope"); err == nil {
		t.Fatal("New with a relative path succeeded")
	}
}
