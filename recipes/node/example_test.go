package node_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/node"
)

// A service announces itself with an ephemeral node that is put back after
// session expiry (hence WithNewSessionOnExpiry) or deletion.
func ExamplePersistent() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()}, zk.WithNewSessionOnExpiry())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	p, err := node.New(c, "/example/services/api", []byte("10.0.0.1:8080"), zk.Ephemeral)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("kept at", p.Path())

	if err := p.SetData(ctx, []byte("10.0.0.1:9090")); err != nil {
		fmt.Println(err)
		return
	}
	data, _, _ := c.Get(ctx, p.Path())
	fmt.Println("data", string(data))

	if err := p.Close(ctx); err != nil {
		fmt.Println(err)
		return
	}
	ok, _, _ := c.Exists(ctx, "/example/services/api")
	fmt.Println("exists after Close:", ok)
	// Output:
	// kept at /example/services/api
	// data 10.0.0.1:9090
	// exists after Close: false
}
