package lock_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/lock"
	"github.com/zkwire/zk/zktest"
)

// TestSemaphoreNeverMoreThanN: 10 contenders, 3 leases: never more than 3
// holders at once.
func TestSemaphoreNeverMoreThanN(t *testing.T) {
	const n, contenders, rounds = 3, 10, 4
	path := testPath(t)
	ctx := ctxFor(t, 3*time.Minute)
	cs := []*zk.Client{connect(t), connect(t), connect(t)}
	var holders, maxHolders, total atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, contenders)
	for i := 0; i < contenders; i++ {
		wg.Add(1)
		go func(c *zk.Client) {
			defer wg.Done()
			s := lock.NewSemaphore(c, path, n)
			for r := 0; r < rounds; r++ {
				l, err := s.Acquire(ctx)
				if err != nil {
					errs <- err
					return
				}
				h := holders.Add(1)
				for {
					m := maxHolders.Load()
					if h <= m || maxHolders.CompareAndSwap(m, h) {
						break
					}
				}
				total.Add(1)
				time.Sleep(20 * time.Millisecond)
				holders.Add(-1)
				if err := l.Release(ctx); err != nil {
					errs <- err
					return
				}
			}
		}(cs[i%len(cs)])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if m := maxHolders.Load(); m > n {
		t.Fatalf("%d holders at once, limit %d", m, n)
	}
	if total.Load() != contenders*rounds {
		t.Fatalf("%d leases taken, want %d", total.Load(), contenders*rounds)
	}
	t.Logf("up to %d holders at once (limit %d)", maxHolders.Load(), n)
	obs := connect(t)
	if left := children(t, obs, path+"/leases"); len(left) != 0 {
		t.Fatalf("leases left behind: %v", left)
	}
}

// TestSemaphoreLeaseLostOnExpiry: a lease holder's expiry closes Lost and
// frees the lease for a waiter.
func TestSemaphoreLeaseLostOnExpiry(t *testing.T) {
	path := testPath(t)
	ctx := ctxFor(t, 2*time.Minute)
	a, b := connect(t), connect(t)
	la, err := lock.NewSemaphore(a, path, 1).Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var lb *lock.Lease
	go func() {
		var err error
		lb, err = lock.NewSemaphore(b, path, 1).Acquire(ctx)
		done <- err
	}()
	waitChildren(t, b, path+"/lock", 1) // b holds the gate, waiting for a lease
	if err := zktest.ExpireSession(ctx, srv.Addr(), a.SessionID(), a.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	if !closedWithin(la.Lost(), 45*time.Second) {
		t.Fatal("lease holder not told of the loss")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := la.Release(ctx); err != nil {
		t.Fatalf("Release of a lost lease: %v", err)
	}
	if err := lb.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := lb.Release(ctx); !errors.Is(err, lock.ErrNotLocked) {
		t.Fatalf("second Release: %v, want ErrNotLocked", err)
	}
}

func TestSemaphoreBadInput(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	for _, n := range []int{0, -1} {
		if _, err := lock.NewSemaphore(c, testPath(t), n).Acquire(ctx); !errors.Is(err, zk.ErrInvalidArgument) {
			t.Errorf("n=%d: %v, want ErrInvalidArgument", n, err)
		}
	}
	if _, err := lock.NewSemaphore(c, "/x/", 2).Acquire(ctx); !errors.Is(err, zk.ErrInvalidPath) {
		t.Errorf("bad path: %v", fmt.Sprint(err))
	}
}
