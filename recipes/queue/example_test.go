package queue_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/queue"
)

func ExampleQueue() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	q, _ := queue.New(c, "/example/queues/jobs")
	for _, job := range []string{"build", "test", "ship"} {
		if err := q.Put(ctx, []byte(job)); err != nil {
			fmt.Println(err)
			return
		}
	}
	for range 3 {
		job, err := q.Take(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(string(job))
	}
	// Output:
	// build
	// test
	// ship
}
