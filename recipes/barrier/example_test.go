package barrier_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/barrier"
)

func ExampleBarrier() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	b, _ := barrier.New(c, "/example/barriers/deploy")
	if err := b.Set(ctx); err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := b.Wait(ctx); err == nil {
			fmt.Println("released")
		}
	}()
	if err := b.Remove(ctx); err != nil {
		fmt.Println(err)
		return
	}
	<-done
	// Output: released
}

func ExampleDoubleBarrier() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	const workers = 3
	var wg sync.WaitGroup
	var mu sync.Mutex
	entered := 0
	for range workers {
		d, _ := barrier.NewDouble(c, "/example/barriers/batch", workers)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Enter(ctx); err != nil {
				fmt.Println(err)
				return
			}
			mu.Lock()
			entered++
			mu.Unlock()
			if err := d.Leave(ctx); err != nil {
				fmt.Println(err)
			}
		}()
	}
	wg.Wait()
	fmt.Println("entered and left:", entered)
	// Output: entered and left: 3
}
