package bench

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestTreeReaders: the TreeCache bootstrap and the 64-goroutine reader
// both find every node of the tree the workload builds.
func TestTreeReaders(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const n = 150
	rn := &runner{ctx: ctx, cfg: Config{Root: fmt.Sprintf("/tree-%d", time.Now().UnixNano()), Watches: n}, conc: 8, size: 10}
	c, err := ZK(ctx, srv.Addrs())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir := rn.cfg.Root + "/t"
	if err := rn.treeNodes(c, dir, n); err != nil {
		t.Fatal(err)
	}
	got, err := c.(TreeLoader).LoadTree(ctx, dir)
	if err != nil || got != n+1 {
		t.Errorf("LoadTree = %d, %v; want %d nodes", got, err, n+1)
	}
	got, err = readTree(ctx, c, c.(ChildrenLister), dir, 8, n+1)
	if err != nil || got != n+1 {
		t.Errorf("readTree = %d, %v; want %d nodes", got, err, n+1)
	}
	// A queue too small for the tree is an error, not a hang.
	if _, err := readTree(ctx, c, c.(ChildrenLister), dir, 8, n/2); err == nil {
		t.Error("readTree with a queue of half the tree: no error")
	}
}
