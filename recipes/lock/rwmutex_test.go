package lock_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk/recipes/lock"
)

// TestRWMutexReadersShareWriterExcludes: readers hold together; a writer
// waits for them; a reader arriving after the writer waits for the writer.
func TestRWMutexReadersShareWriterExcludes(t *testing.T) {
	path := testPath(t)
	ctx := ctxFor(t, 2*time.Minute)
	obs := connect(t)
	readers := make([]*lock.RWMutex, 3)
	for i := range readers {
		readers[i] = lock.NewRWMutex(connect(t), path)
		if err := readers[i].RLock(ctx); err != nil {
			t.Fatalf("reader %d: %v", i, err)
		}
	}
	w := lock.NewRWMutex(connect(t), path)
	if err := w.Writer().TryLock(ctx); !errors.Is(err, lock.ErrLocked) {
		t.Fatalf("writer TryLock while readers hold: %v, want ErrLocked", err)
	}
	var writerNode atomic.Pointer[string] // set once the writer holds
	wdone := make(chan error, 1)
	go func() {
		err := w.Lock(ctx)
		if err == nil {
			n := w.Writer().Node()
			writerNode.Store(&n)
		}
		wdone <- err
	}()
	waitChildren(t, obs, path, 4)
	late := lock.NewRWMutex(connect(t), path)
	if err := late.Reader().TryLock(ctx); !errors.Is(err, lock.ErrLocked) {
		t.Fatalf("reader TryLock behind a waiting writer: %v, want ErrLocked", err)
	}
	rdone := make(chan error, 1)
	go func() {
		err := late.RLock(ctx)
		if err != nil {
			rdone <- err
			return
		}
		// The writer must have held the lock and released it by now.
		wn := writerNode.Load()
		if wn == nil {
			rdone <- errors.New("late reader got the lock before the writer ahead of it")
			return
		}
		if ok, _, err := obs.Exists(ctx, *wn); err != nil || ok {
			rdone <- fmt.Errorf("late reader got the lock while the writer's node exists (%v, %v)", ok, err)
			return
		}
		rdone <- nil
	}()
	waitChildren(t, obs, path, 5)
	for i, r := range readers {
		if err := r.RUnlock(ctx); err != nil {
			t.Fatalf("reader %d unlock: %v", i, err)
		}
	}
	if err := <-wdone; err != nil {
		t.Fatalf("writer: %v", err)
	}
	if err := w.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-rdone:
		if err != nil {
			t.Fatalf("late reader: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("late reader never got the lock")
	}
	if err := late.RUnlock(ctx); err != nil {
		t.Fatal(err)
	}
	if left := children(t, obs, path); len(left) != 0 {
		t.Fatalf("nodes left behind: %v", left)
	}
}

// TestRWMutexStress: mixed readers and writers; a writer is always alone
// and readers never overlap a writer.
func TestRWMutexStress(t *testing.T) {
	const contenders, rounds = 8, 6
	path := testPath(t)
	ctx := ctxFor(t, 3*time.Minute)
	c1, c2 := connect(t), connect(t)
	var readers, writers, maxReaders atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, contenders)
	for i := 0; i < contenders; i++ {
		c := c1
		if i%2 == 1 {
			c = c2
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rw := lock.NewRWMutex(c, path)
			for r := 0; r < rounds; r++ {
				if (i+r)%3 == 0 {
					if err := rw.Lock(ctx); err != nil {
						errs <- err
						return
					}
					if n := writers.Add(1); n != 1 || readers.Load() != 0 {
						errs <- fmt.Errorf("writer in with %d writers, %d readers", n, readers.Load())
					}
					time.Sleep(time.Millisecond)
					writers.Add(-1)
					if err := rw.Unlock(ctx); err != nil {
						errs <- err
						return
					}
					continue
				}
				if err := rw.RLock(ctx); err != nil {
					errs <- err
					return
				}
				n := readers.Add(1)
				if n > maxReaders.Load() {
					maxReaders.Store(n)
				}
				if writers.Load() != 0 {
					errs <- errors.New("reader in while a writer holds")
				}
				time.Sleep(2 * time.Millisecond)
				readers.Add(-1)
				if err := rw.RUnlock(ctx); err != nil {
					errs <- err
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("up to %d readers at once", maxReaders.Load())
}

// TestRWMutexCancelledWriterUnblocksReaders: a reader queued behind a
// writer that gives up is let in.
func TestRWMutexCancelledWriterUnblocksReaders(t *testing.T) {
	path := testPath(t)
	ctx := ctxFor(t, time.Minute)
	obs := connect(t)
	first := lock.NewRWMutex(connect(t), path)
	if err := first.RLock(ctx); err != nil {
		t.Fatal(err)
	}
	w := lock.NewRWMutex(connect(t), path)
	wctx, cancel := context.WithCancel(ctx)
	wdone := make(chan error, 1)
	go func() { wdone <- w.Lock(wctx) }()
	waitChildren(t, obs, path, 2)
	r := lock.NewRWMutex(connect(t), path)
	rdone := make(chan error, 1)
	go func() { rdone <- r.RLock(ctx) }()
	waitChildren(t, obs, path, 3)
	cancel()
	if err := <-wdone; !errors.Is(err, context.Canceled) {
		t.Fatalf("writer: %v, want context.Canceled", err)
	}
	select {
	case err := <-rdone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("reader still blocked after the writer ahead of it gave up")
	}
	_ = r.RUnlock(ctx)
	_ = first.RUnlock(ctx)
}
