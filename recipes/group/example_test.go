package group_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/group"
)

func ExampleMembers() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// WithNewSessionOnExpiry: members come back after session expiry.
	c, err := zk.Connect(ctx, []string{srv.Addr()}, zk.WithNewSessionOnExpiry())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	g, _ := group.New(c, "/example/groups/cache")
	defer g.Close(context.Background())
	if err := g.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range []string{"node-a", "node-b"} {
		if err := g.Join(ctx, id, []byte(id+":7000")); err != nil {
			fmt.Println(err)
			return
		}
	}
	for list := range g.Changes() {
		if len(list) == 2 {
			for _, m := range list {
				fmt.Println(m.ID, string(m.Data))
			}
			break
		}
	}
	// Output:
	// node-a node-a:7000
	// node-b node-b:7000
}
