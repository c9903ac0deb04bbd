package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/zkwire/zk/recipes/cache"
)

// The tree-boot workload: load a whole subtree of N nodes (Config.Watches,
// the N of the watch workloads: 10,000 unless set) into memory, over and
// over; one operation is one load. A client that can bootstrap a cache of
// it (TreeLoader: this module's TreeCache, pipelined through zk.Batch) does
// that; any other lists and reads every node from rn.conc goroutines
// (ChildrenLister), as a user of a blocking API must.

// TreeLoader is a Client that loads a subtree its own way.
type TreeLoader interface {
	// LoadTree loads the subtree at root and returns how many nodes it
	// holds.
	LoadTree(ctx context.Context, root string) (int, error)
}

// ChildrenLister is a Client that lists a node's children (names).
type ChildrenLister interface {
	Children(ctx context.Context, path string) ([]string, error)
}

func init() {
	Workloads = append(Workloads, Workload{"tree-boot", 64, 100,
		"load a subtree of N nodes (-watches): zk with a TreeCache bootstrap (one zk.Batch per level), others with Children+Get of each node from 64 goroutines (one op = one load)",
		runTreeBoot})
}

// treeShape places N nodes under dir: about sqrt(N) directories first,
// then the rest spread over them as leaves. The tree has N+1 nodes with
// dir.
func treeShape(dir string, n int) (paths []string, dirs int) {
	dirs = min(n, max(1, int(math.Ceil(math.Sqrt(float64(n))))))
	paths = make([]string, 0, n)
	for i := range dirs {
		paths = append(paths, dir+"/d"+strconv.Itoa(i))
	}
	for i := dirs; i < n; i++ {
		paths = append(paths, paths[i%dirs]+"/"+strconv.Itoa(i))
	}
	return paths, dirs
}

func runTreeBoot(rn *runner) (Result, error) {
	n := rn.cfg.Watches
	helper, err := rn.dial(rn.cfg.Helper, rn.cfg.Servers)
	if err != nil {
		return Result{}, err
	}
	defer helper.Close()
	dir := fmt.Sprintf("%s/tree-%d-%d", rn.cfg.Root, n, rn.size)
	if err := rn.treeNodes(helper, dir, n); err != nil {
		return Result{}, err
	}
	c, err := rn.dial(rn.cfg.Client, rn.cfg.Servers)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	load, err := rn.treeLoader(c)
	if err != nil {
		return Result{}, err
	}
	want := n + 1
	// One load at a time; the loader has its own parallelism.
	inner := rn.conc
	rn.conc = 1
	defer func() { rn.conc = inner }()
	r := rn.drive(func(int) error {
		got, err := load(dir, inner)
		if err == nil && got != want {
			err = fmt.Errorf("bench: loaded %d nodes, want %d", got, want)
		}
		return err
	})
	r.Watches = n
	return r, nil
}

// treeNodes creates the tree unless an earlier run left it complete (its
// marker, a sibling of dir, is created last).
func (rn *runner) treeNodes(c Client, dir string, n int) error {
	ready := dir + "-ready"
	if _, err := c.Get(rn.ctx, ready); err == nil {
		return nil
	}
	rn.phase.Store("creating nodes")
	if err := rn.ensure(c, nil, rn.cfg.Root, dir); err != nil {
		return err
	}
	paths, dirs := treeShape(dir, n)
	val := rn.value()
	// Directories first, then the leaves inside them. Creates fail for
	// nodes that exist already; what matters is that all exist now.
	_ = rn.parallel(dirs, rn.conc, func(i int) error { return c.Create(rn.ctx, paths[i], val) })
	leaves := paths[dirs:]
	_ = rn.parallel(len(leaves), rn.conc, func(i int) error { return c.Create(rn.ctx, leaves[i], val) })
	if err := rn.parallel(n, rn.conc, func(i int) error { _, err := c.Get(rn.ctx, paths[i]); return err }); err != nil {
		return fmt.Errorf("bench: preparing the %d-node tree: %w", n, err)
	}
	return c.Create(rn.ctx, ready, nil)
}

// treeLoader returns how c loads a tree: its own way, or listing and
// reading from conc goroutines.
func (rn *runner) treeLoader(c Client) (func(root string, conc int) (int, error), error) {
	if tl, ok := c.(TreeLoader); ok {
		return func(root string, _ int) (int, error) { return tl.LoadTree(rn.ctx, root) }, nil
	}
	cl, ok := c.(ChildrenLister)
	if !ok {
		return nil, fmt.Errorf("bench: client %s cannot list children", rn.cfg.ClientName)
	}
	return func(root string, conc int) (int, error) { return readTree(rn.ctx, c, cl, root, conc, rn.cfg.Watches+1) }, nil
}

var errTreeGrew = errors.New("bench: the tree has more nodes than expected")

// readTree reads every node of the tree at root (Get and Children of each)
// from conc goroutines, as a user of a blocking client does, and returns
// how many it read. expect bounds the work queue.
func readTree(ctx context.Context, c Client, cl ChildrenLister, root string, conc, expect int) (int, error) {
	queue := make(chan string, expect)
	queue <- root
	var (
		pending atomic.Int64 // nodes queued or being read
		nodes   atomic.Int64
		mu      sync.Mutex
		first   error
		wg      sync.WaitGroup
	)
	pending.Store(1)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	done := func() {
		if pending.Add(-1) == 0 {
			close(queue)
		}
	}
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range queue {
				_, err := c.Get(ctx, p)
				var kids []string
				if err == nil {
					kids, err = cl.Children(ctx, p)
				}
				if err != nil {
					fail(err)
					done()
					continue
				}
				nodes.Add(1)
				pending.Add(int64(len(kids)))
				for _, k := range kids {
					select {
					case queue <- p + "/" + k:
					default:
						fail(errTreeGrew)
						done()
					}
				}
				done()
			}
		}()
	}
	wg.Wait()
	return int(nodes.Load()), first
}

// LoadTree bootstraps a TreeCache of the subtree and closes it; it counts
// the nodes with the cache's listener (no copy of the contents).
func (z zkClient) LoadTree(ctx context.Context, root string) (int, error) {
	var added int
	tc, err := cache.NewTreeCache(z.c, root, cache.WithListener(func(ev cache.Event) {
		if ev.Type == cache.NodeAdded {
			added++
		}
	}))
	if err != nil {
		return 0, err
	}
	defer tc.Close()
	if err := tc.Start(ctx); err != nil {
		return 0, err
	}
	return added, nil
}

func (z zkClient) Children(ctx context.Context, path string) ([]string, error) {
	kids, _, err := z.c.Children(ctx, path)
	return kids, err
}
