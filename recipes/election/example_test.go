package election_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/election"
)

func ExampleLatch() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// WithNewSessionOnExpiry lets a candidate whose session expired stand
	// again by itself.
	ca, err := zk.Connect(ctx, []string{srv.Addr()}, zk.WithNewSessionOnExpiry())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ca.Close()
	cb, err := zk.Connect(ctx, []string{srv.Addr()}, zk.WithNewSessionOnExpiry())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cb.Close()

	a := election.NewLatch(ca, "/example/election", "server-a")
	a.Start(ctx)
	<-a.Leader()
	b := election.NewLatch(cb, "/example/election", "server-b")
	b.Start(ctx)
	id, _ := b.LeaderID(ctx)
	fmt.Println("leader:", id, "- b leads:", b.IsLeader())

	a.Close() // a leaves; b takes over
	fmt.Println("b elected:", <-b.Changes())
	id, _ = b.LeaderID(ctx)
	fmt.Println("leader:", id)
	b.Close()
	// Output:
	// leader: server-a - b leads: false
	// b elected: true
	// leader: server-b
}
