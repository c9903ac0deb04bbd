package counter_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/counter"
)

func ExampleCounter() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	k, err := counter.New(c, "/example/counters/visits")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := k.Set(ctx, 10); err != nil {
		fmt.Println(err)
		return
	}
	v, err := k.Add(ctx, 5)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("after add:", v)
	v, _ = k.Get(ctx)
	fmt.Println("get:", v)
	// Output:
	// after add: 15
	// get: 15
}
