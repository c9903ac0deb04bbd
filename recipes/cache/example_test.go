package cache_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/cache"
)

func ExampleTreeCache() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// WithNewSessionOnExpiry lets the cache survive session expiry.
	c, err := zk.Connect(ctx, []string{srv.Addr()}, zk.WithNewSessionOnExpiry())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	defer func() { // leave the server as it was
		for _, p := range []string{"/example-tree/a", "/example-tree/b", "/example-tree"} {
			c.Delete(ctx, p, -1)
		}
	}()
	c.Create(ctx, "/example-tree", nil, zk.Persistent, zk.WorldACL(zk.PermAll))
	c.Create(ctx, "/example-tree/a", []byte("1"), zk.Persistent, zk.WorldACL(zk.PermAll))

	added := make(chan string, 10)
	tc, err := cache.NewTreeCache(c, "/example-tree", cache.WithListener(func(ev cache.Event) {
		if ev.Type == cache.NodeAdded {
			added <- ev.Path
		}
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tc.Close()
	if err := tc.Start(ctx); err != nil { // returns once the subtree is in memory
		fmt.Println(err)
		return
	}
	<-added // the root
	<-added // its child
	c.Create(ctx, "/example-tree/b", []byte("2"), zk.Persistent, zk.WorldACL(zk.PermAll))
	fmt.Println("added", <-added)

	kids, _ := tc.Children("/example-tree") // from memory
	node, _ := tc.Get("/example-tree/b")
	fmt.Println(kids, string(node.Data))
	// Output:
	// added /example-tree/b
	// [a b] 2
}

func ExampleNodeCache() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()}, zk.WithNewSessionOnExpiry())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	defer c.Delete(ctx, "/example-node", -1)
	nc, err := cache.NewNodeCache(c, "/example-node")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	if err := nc.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	_, ok := nc.Get()
	fmt.Println("exists:", ok)

	changed := nc.Changed() // taken before the change, so it cannot be missed
	c.Create(ctx, "/example-node", []byte("hello"), zk.Persistent, zk.WorldACL(zk.PermAll))
	<-changed
	node, ok := nc.Get()
	fmt.Println("exists:", ok, string(node.Data))
	// Output:
	// exists: false
	// exists: true hello
}
