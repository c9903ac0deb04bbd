package zk_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/zkwire/zk"
)

// A protected create: the node's name carries a UUID, so a create whose
// reply is lost to a dropped connection is found again, never made twice.
// EnsurePath with ContainerLeaf makes the parent first, as a container the
// server removes once its last child is gone.
func ExampleClient_CreateProtected() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	if err := c.EnsurePath(ctx, "/example-locks/job", nil, zk.ContainerLeaf()); err != nil {
		fmt.Println(err)
		return
	}
	defer c.Delete(ctx, "/example-locks", -1)
	defer c.Delete(ctx, "/example-locks/job", -1)
	p, stat, err := c.CreateProtected(ctx, "/example-locks/job/lock-", nil, zk.EphemeralSequential, zk.WorldACL(zk.PermAll))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Delete(ctx, p, -1)
	name := p[strings.LastIndexByte(p, '/')+1:]
	fmt.Println(strings.HasPrefix(name, zk.ProtectedPrefix), strings.Contains(name, "-lock-"))
	fmt.Println(stat.EphemeralOwner == c.SessionID())
	// Output:
	// true true
	// true
}
