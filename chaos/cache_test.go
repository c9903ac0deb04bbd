package chaos

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/cache"
	"github.com/zkwire/zk/zktest"
)

// cacher mirrors /chaos in a cache.TreeCache on a client of its own.
type cacher struct {
	p  *proxied
	tc *cache.TreeCache
}

func startCacher(t *testing.T, ens *zktest.Ensemble, tr *tracker) *cacher {
	t.Helper()
	x := &cacher{p: dialProxied(t, ens)}
	tc, err := cache.NewTreeCache(x.p.c, "/chaos")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	x.tc = tc
	return x
}

func (x *cacher) cut() { x.p.cut() }

// expire expires the cache client's session from outside.
func (x *cacher) expire(ctx context.Context, t *testing.T, ens *zktest.Ensemble) {
	t.Helper()
	c := x.p.c
	old := c.SessionID()
	if err := zktest.ExpireSession(ctx, ens.Addrs()[1], old, c.SessionPassword()); err != nil {
		t.Fatalf("expire cache client: %v", err)
	}
	waitNewSession(t, ctx, c, old)
}

// verify waits until the cache equals a fresh read of the tree.
func (x *cacher) verify(ctx context.Context, checker *zk.Client, tr *tracker) {
	start := time.Now()
	err := waitFor(ctx, func() error {
		want, err := readTree(ctx, checker, "/chaos")
		if err != nil {
			return err
		}
		return diffTree(want, x.tc.Snapshot())
	})
	if err != nil {
		tr.violate("tree cache never matched the server: %v (cache err: %v)", err, x.tc.Err())
		return
	}
	tr.note(fmt.Sprintf("cache converged %v after the writers stopped", time.Since(start).Round(time.Millisecond)))
}

func (x *cacher) close() {
	x.tc.Close()
	x.p.c.Close()
}

// readTree reads every node's data under root, root included.
func readTree(ctx context.Context, c *zk.Client, root string) (map[string][]byte, error) {
	out := map[string][]byte{}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		data, _, err := c.Get(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("get %s: %w", p, err)
		}
		kids, _, err := c.Children(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("children %s: %w", p, err)
		}
		out[p] = data
		for _, k := range kids {
			queue = append(queue, path.Join(p, k))
		}
	}
	return out, nil
}

func diffTree(want map[string][]byte, got map[string]cache.Node) error {
	for p, d := range want {
		n, ok := got[p]
		if !ok {
			return fmt.Errorf("cache lacks %s", p)
		}
		if !bytes.Equal(n.Data, d) {
			return fmt.Errorf("cache has %s = %q, server %q", p, n.Data, d)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			return fmt.Errorf("cache has %s, the server does not", p)
		}
	}
	return nil
}
