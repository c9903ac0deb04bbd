package zk_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zkwire/zk"
)

// Read many nodes from one goroutine: the batch pipelines them (no
// goroutine or channel per read) and returns each one's result in order.
func ExampleClient_NewBatch() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	// Create three nodes in one batch.
	b := c.NewBatch()
	b.Create("/batch-example", nil, zk.Persistent, zk.WorldACL(zk.PermAll))
	for _, name := range []string{"a", "b"} {
		b.Create("/batch-example/"+name, []byte("data of "+name), zk.Persistent, zk.WorldACL(zk.PermAll))
	}
	if _, err := b.Wait(ctx); err != nil {
		fmt.Println(err)
		return
	}

	// Read them back, and one that does not exist. GroupReads packs reads
	// into multiRead requests: far less work for many small nodes.
	b = c.NewBatch(zk.GroupReads(128))
	for _, p := range []string{"/batch-example/a", "/batch-example/b", "/batch-example/c"} {
		b.Get(p)
	}
	res, err := b.Wait(ctx) // err: only the context's, the connection's or the session's end
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res {
		if errors.Is(r.Err, zk.ErrNoNode) {
			fmt.Printf("%s: no node\n", r.Path)
			continue
		}
		fmt.Printf("%s: %q\n", r.Path, r.Data)
	}

	for _, p := range []string{"/batch-example/a", "/batch-example/b", "/batch-example"} {
		b.Delete(p, -1)
	}
	_, err = b.Wait(ctx)
	fmt.Println(err)
	// Output:
	// /batch-example/a: "data of a"
	// /batch-example/b: "data of b"
	// /batch-example/c: no node
	// <nil>
}
