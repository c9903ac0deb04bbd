package lock_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/lock"
)

func ExampleMutex() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// WithNewSessionOnExpiry lets this process lock again after its
	// session expired; the lock held then is reported lost either way.
	c, err := zk.Connect(ctx, []string{srv.Addr()}, zk.WithNewSessionOnExpiry())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	c.Create(ctx, "/example-mutex-data", []byte("0"), zk.Persistent, zk.WorldACL(zk.PermAll))

	m := lock.NewMutex(c, "/example/mutex")
	if err := m.Lock(ctx); err != nil {
		fmt.Println(err)
		return
	}
	// Write only while the lock node exists: a holder whose session
	// expired unnoticed cannot apply this.
	_, err = m.Multi(ctx, zk.SetOp("/example-mutex-data", []byte("1"), -1))
	fmt.Println("guarded write:", err)
	select {
	case <-m.Lost():
		fmt.Println("lost the lock")
	default:
		fmt.Println("holding, token > 0:", m.FencingToken() > 0)
	}
	fmt.Println("unlock:", m.Unlock(ctx))
	// Output:
	// guarded write: <nil>
	// holding, token > 0: true
	// unlock: <nil>
}

func ExampleRWMutex() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	r1, r2 := lock.NewRWMutex(c, "/example/rw"), lock.NewRWMutex(c, "/example/rw")
	fmt.Println("reader 1:", r1.RLock(ctx))
	fmt.Println("reader 2:", r2.RLock(ctx))
	w := lock.NewRWMutex(c, "/example/rw")
	fmt.Println("writer try:", w.Writer().TryLock(ctx))
	r1.RUnlock(ctx)
	r2.RUnlock(ctx)
	fmt.Println("writer:", w.Lock(ctx))
	fmt.Println("unlock:", w.Unlock(ctx))
	// Output:
	// reader 1: <nil>
	// reader 2: <nil>
	// writer try: lock: held by another contender
	// writer: <nil>
	// unlock: <nil>
}

func ExampleSemaphore() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	s := lock.NewSemaphore(c, "/example/sem", 2)
	a, _ := s.Acquire(ctx)
	b, _ := s.Acquire(ctx)
	// A third lease must wait for one of the two.
	short, stop := context.WithTimeout(ctx, 500*time.Millisecond)
	_, err = s.Acquire(short)
	stop()
	fmt.Println("third while two held:", err)
	a.Release(ctx)
	l, err := s.Acquire(ctx)
	fmt.Println("third after a release:", err)
	l.Release(ctx)
	b.Release(ctx)
	// Output:
	// third while two held: context deadline exceeded
	// third after a release: <nil>
}
