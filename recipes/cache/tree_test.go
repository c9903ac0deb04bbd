package cache_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/diff"
	"github.com/zkwire/zk/recipes/cache"
	"github.com/zkwire/zk/zktest"
)

// tree is a full read of a subtree: data and sorted children per path.
type tree struct {
	Data     map[string]string
	Children map[string][]string
}

// readTree reads the subtree at root from the server, node by node.
func readTree(ctx context.Context, c *zk.Client, root string) (tree, error) {
	tr := tree{Data: map[string]string{}, Children: map[string][]string{}}
	level := []string{root}
	for len(level) > 0 {
		var next []string
		for _, p := range level {
			data, _, err := c.Get(ctx, p)
			if errors.Is(err, zk.ErrNoNode) {
				continue
			}
			if err != nil {
				return tr, err
			}
			kids, _, err := c.Children(ctx, p)
			if err != nil {
				return tr, err
			}
			slices.Sort(kids)
			tr.Data[p] = string(data)
			tr.Children[p] = kids
			for _, k := range kids {
				next = append(next, p+"/"+k)
			}
		}
		level = next
	}
	return tr, nil
}

// cachedTree is the same view from a TreeCache's memory.
func cachedTree(tc *cache.TreeCache) tree {
	tr := tree{Data: map[string]string{}, Children: map[string][]string{}}
	for p, n := range tc.Snapshot() {
		tr.Data[p] = string(n.Data)
		kids, _ := tc.Children(p)
		tr.Children[p] = kids
	}
	return tr
}

func sameTree(want tree, tc *cache.TreeCache) error {
	if d := diff.Diff(want, cachedTree(tc)); d != "" {
		if len(d) > 2000 {
			d = d[:2000] + "..."
		}
		return fmt.Errorf("cache differs from the server (-server +cache):\n%s", d)
	}
	return nil
}

func TestTreeCacheFollowsChanges(t *testing.T) {
	for _, oneShot := range []bool{false, true} {
		t.Run(fmt.Sprintf("oneShot=%v", oneShot), func(t *testing.T) {
			ctx := ctxFor(t, 60*time.Second)
			c := connectTo(t, srv.Addr())
			root := testPath(t)
			rec := newRecorder()
			opts := []cache.Option{cache.WithListener(rec.listen)}
			if oneShot {
				opts = append(opts, cache.WithOneShotWatches())
			}
			tc, err := cache.NewTreeCache(c, root, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer tc.Close()
			if err := tc.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if tc.OneShot() != oneShot {
				t.Fatalf("OneShot() = %v, want %v", tc.OneShot(), oneShot)
			}
			if _, ok := tc.Get(root); ok {
				t.Fatal("root cached before it exists")
			}
			// The root appears, then a subtree under it.
			for _, p := range []string{root, root + "/a", root + "/a/x", root + "/b"} {
				if _, err := c.Create(ctx, p, []byte(p), zk.Persistent, open); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := c.Set(ctx, root+"/a/x", []byte("x2"), -1); err != nil {
				t.Fatal(err)
			}
			want := func() error {
				tr, err := readTree(ctx, c, root)
				if err != nil {
					return err
				}
				return sameTree(tr, tc)
			}
			eventually(t, 30*time.Second, want)
			if n, _ := tc.Get(root + "/a/x"); string(n.Data) != "x2" {
				t.Fatalf("a/x = %q", n.Data)
			}
			if kids, _ := tc.Children(root); !slices.Equal(kids, []string{"a", "b"}) {
				t.Fatalf("children of root = %v", kids)
			}
			// Delete a subtree; it leaves the cache, children first.
			if err := c.Delete(ctx, root+"/a/x", -1); err != nil {
				t.Fatal(err)
			}
			if err := c.Delete(ctx, root+"/a", -1); err != nil {
				t.Fatal(err)
			}
			eventually(t, 30*time.Second, want)
			if got := rec.types(root + "/a/x"); got[0] != cache.NodeAdded || got[len(got)-1] != cache.NodeRemoved {
				t.Fatalf("events of a/x: %v", got)
			}
			if rec.count(cache.Initialized) != 1 {
				t.Fatalf("Initialized sent %d times", rec.count(cache.Initialized))
			}
			eventually(t, 10*time.Second, func() error {
				if d := diff.Diff(cachedTree(tc).Data, rec.snapshot()); d != "" {
					return fmt.Errorf("listener view differs: %s", d)
				}
				return nil
			})
		})
	}
}

func TestTreeCacheStopsOnExpiryWithoutNewSession(t *testing.T) {
	ctx := ctxFor(t, 60*time.Second)
	c := connectTo(t, srv.Addr()) // no WithNewSessionOnExpiry
	root := testPath(t)
	if _, err := c.Create(ctx, root, []byte("r"), zk.Persistent, open); err != nil {
		t.Fatal(err)
	}
	tc, err := cache.NewTreeCache(c, root)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if err := tc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-tc.Done():
	case <-ctx.Done():
		t.Fatal("cache still running after expiry")
	}
	if !errors.Is(tc.Err(), zk.ErrSessionExpired) {
		t.Fatalf("Err() = %v, want ErrSessionExpired", tc.Err())
	}
	if n, ok := tc.Get(root); !ok || string(n.Data) != "r" {
		t.Fatalf("contents lost after stop: %q %v", n.Data, ok)
	}
}

func TestNewTreeCacheRejectsBadInput(t *testing.T) {
	c := connectTo(t, srv.Addr())
	for _, root := range []string{"", "rel", "/a/", "/a//b"} {
		if _, err := cache.NewTreeCache(c, root); !errors.Is(err, zk.ErrInvalidPath) {
			t.Errorf("root %q: err %v, want ErrInvalidPath", root, err)
		}
	}
	if _, err := cache.NewTreeCache(nil, "/a"); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Errorf("nil client: err %v", err)
	}
}

func TestTreeCacheChurn(t *testing.T) {
	runChurn(t, 1000, 10000, false)
}

func TestTreeCacheOneShotChurn(t *testing.T) {
	runChurn(t, 200, 2000, true)
}

// runChurn builds a subtree of n nodes, starts a cache on it through a
// fault proxy, makes changes random creates, sets and deletes from several
// writers while the cache's connection is cut (a third of the way) and its
// session expired (two thirds), then waits for the cache to equal a fresh
// read of the tree, and for the listener's view to equal the cache.
func runChurn(t *testing.T, n, changes int, oneShot bool) {
	if testing.Short() {
		t.Skip("long")
	}
	ctx := ctxFor(t, 5*time.Minute)
	writer := connectTo(t, srv.Addr())
	root := testPath(t)

	// Build the tree: root, 10 dirs of 10 subdirs, leaves spread over those.
	var levels [][]string
	levels = append(levels, []string{root})
	var dirs, subs []string
	for i := range 10 {
		d := fmt.Sprintf("%s/d%d", root, i)
		dirs = append(dirs, d)
		for j := range 10 {
			subs = append(subs, fmt.Sprintf("%s/s%d", d, j))
		}
	}
	var leaves []string
	for i := 0; 1+len(dirs)+len(subs)+len(leaves) < n; i++ {
		leaves = append(leaves, fmt.Sprintf("%s/l%d", subs[i%len(subs)], i))
	}
	levels = append(levels, dirs, subs, leaves)
	for _, level := range levels {
		parallel(t, 16, len(level), func(i int) error {
			_, err := writer.Create(ctx, level[i], []byte("init"), zk.Persistent, open)
			return err
		})
	}

	proxy := startProxy(t)
	c := connectTo(t, proxy.Addr(), zk.WithNewSessionOnExpiry())
	rec := newRecorder()
	opts := []cache.Option{cache.WithListener(rec.listen)}
	if oneShot {
		opts = append(opts, cache.WithOneShotWatches())
	}
	tc, err := cache.NewTreeCache(c, root, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if err := tc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(tc.Snapshot()); got != n {
		t.Fatalf("initial cache holds %d nodes, want %d", got, n)
	}

	// Writers: random changes over the subtree until `changes` succeeded.
	var (
		mu      sync.Mutex
		known   = slices.Concat(dirs, subs, leaves)
		done    atomic.Int64
		created atomic.Int64
		sets    atomic.Int64
		deleted atomic.Int64
	)
	pick := func(r *rand.Rand) string {
		mu.Lock()
		defer mu.Unlock()
		return known[r.IntN(len(known))]
	}
	forget := func(p string) {
		mu.Lock()
		defer mu.Unlock()
		if i := slices.Index(known, p); i >= 0 {
			known[i] = known[len(known)-1]
			known = known[:len(known)-1]
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for i := 0; done.Load() < int64(changes); i++ {
				var err error
				switch x := r.IntN(10); {
				case x < 3:
					p := fmt.Sprintf("%s/w%d-%d", pick(r), w, i)
					if _, err = writer.Create(ctx, p, []byte(p), zk.Persistent, open); err == nil {
						created.Add(1)
						mu.Lock()
						known = append(known, p)
						mu.Unlock()
					}
				case x < 7:
					_, err = writer.Set(ctx, pick(r), fmt.Appendf(nil, "w%d-%d", w, i), -1)
					if err == nil {
						sets.Add(1)
					}
				default:
					p := pick(r)
					if err = writer.Delete(ctx, p, -1); err == nil || errors.Is(err, zk.ErrNoNode) {
						forget(p)
					}
					if err == nil {
						deleted.Add(1)
					}
				}
				switch {
				case err == nil:
					done.Add(1)
				case errors.Is(err, zk.ErrNoNode), errors.Is(err, zk.ErrNotEmpty), errors.Is(err, zk.ErrNodeExists):
				default:
					errc <- err
					return
				}
			}
		}()
	}
	waitDone := func(k int64) {
		for done.Load() < k && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitDone(int64(changes / 3))
	proxy.Cut()
	t.Logf("cut the cache's connection after %d changes", done.Load())
	waitDone(int64(2 * changes / 3))
	oldSession := c.SessionID()
	if err := zktest.ExpireSession(ctx, srv.Addr(), oldSession, c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	t.Logf("expired the cache's session after %d changes", done.Load())
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("writer: %v", err)
	}
	t.Logf("%d changes (%d creates, %d sets, %d deletes) in %v",
		done.Load(), created.Load(), sets.Load(), deleted.Load(), time.Since(start).Round(time.Millisecond))

	want, err := readTree(ctx, writer, root)
	if err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	eventually(t, 2*time.Minute, func() error { return sameTree(want, tc) })
	t.Logf("cache equal to the server's %d nodes %v after the writers stopped", len(want.Data), time.Since(stopped).Round(time.Millisecond))
	eventually(t, 30*time.Second, func() error {
		if d := diff.Diff(cachedTree(tc).Data, rec.snapshot()); d != "" {
			return fmt.Errorf("listener view differs from the cache: %.2000s", d)
		}
		return nil
	})
	if c.SessionID() == oldSession {
		t.Fatal("the session was not replaced")
	}
	if rec.count(cache.Resynced) < 1 {
		t.Fatal("no Resynced event after the expiry")
	}
	if tc.Err() != nil {
		t.Fatalf("cache stopped: %v", tc.Err())
	}
	t.Logf("events: %d added, %d updated, %d removed, %d resyncs", rec.count(cache.NodeAdded), rec.count(cache.NodeUpdated), rec.count(cache.NodeRemoved), rec.count(cache.Resynced))
}

// parallel runs f(0..n-1) on `workers` goroutines and fails the test on
// the first error.
func parallel(t *testing.T, workers, n int, f func(i int) error) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var first atomic.Value
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		t.Fatal(err)
	}
}

// disconnects counts how often c's state left connected, through a state
// listener given at Connect.
type disconnects struct{ n atomic.Int64 }

func (d *disconnects) listen(s zk.State) {
	if s == zk.StateDisconnected {
		d.n.Add(1)
	}
}

// TestTreeCacheBigChildren: 20 children of 900 KB (18 MB together) do not
// fit in one reply (the client takes up to 16 MiB). The cache must read
// them in batches bounded in bytes, converge, and never make the shared
// client drop its connection; then it must follow an update of all of
// them (the refresh path) the same way.
func TestTreeCacheBigChildren(t *testing.T) {
	const n, size = 20, 900 << 10
	ctx := ctxFor(t, 2*time.Minute)
	var drops disconnects
	c := connectTo(t, srv.Addr(), zk.WithStateListener(drops.listen))
	root := testPath(t)
	if _, err := c.Create(ctx, root, nil, zk.Persistent, open); err != nil {
		t.Fatal(err)
	}
	payload := func(i int, gen byte) []byte {
		b := make([]byte, size)
		for j := range b {
			b[j] = gen
		}
		b[0] = byte(i)
		return b
	}
	for i := range n {
		if _, err := c.Create(ctx, fmt.Sprintf("%s/n%02d", root, i), payload(i, 'a'), zk.Persistent, open); err != nil {
			t.Fatal(err)
		}
	}
	tc, err := cache.NewTreeCache(c, root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := tc.Start(sctx); err != nil {
		t.Fatalf("Start: %v (the client dropped its connection %d times)", err, drops.n.Load())
	}
	check := func(gen byte) error {
		snap := tc.Snapshot()
		if len(snap) != n+1 {
			return fmt.Errorf("%d nodes cached, want %d", len(snap), n+1)
		}
		for i := range n {
			nd := snap[fmt.Sprintf("%s/n%02d", root, i)]
			if len(nd.Data) != size || nd.Data[0] != byte(i) || nd.Data[1] != gen {
				return fmt.Errorf("n%02d: %d bytes, want %d of generation %q", i, len(nd.Data), size, gen)
			}
		}
		return nil
	}
	if err := check('a'); err != nil {
		t.Fatal(err)
	}
	// Change them all in a row: the events queue up and are re-read in
	// batches.
	for i := range n {
		if _, err := c.Set(ctx, fmt.Sprintf("%s/n%02d", root, i), payload(i, 'b'), -1); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 30*time.Second, func() error { return check('b') })
	t.Logf("the shared client dropped its connection %d times", drops.n.Load())
	if d := drops.n.Load(); d != 0 {
		t.Errorf("the shared client dropped its connection %d times, want 0", d)
	}
}

// TestTreeCacheChildrenGrowWhileDisconnected: the cache holds 20 small
// children; while its client is cut off they grow to 900 KB each. The
// resync after the reconnection plans its batch from the cached (now
// stale) sizes, so the reply would be 18 MB: that batch fails on its own
// (the client keeps its connection) and is split until it fits.
func TestTreeCacheChildrenGrowWhileDisconnected(t *testing.T) {
	const n, size = 20, 900 << 10
	ctx := ctxFor(t, 2*time.Minute)
	admin := connectTo(t, srv.Addr())
	root := testPath(t)
	if _, err := admin.Create(ctx, root, nil, zk.Persistent, open); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := admin.Create(ctx, fmt.Sprintf("%s/n%02d", root, i), []byte{byte(i)}, zk.Persistent, open); err != nil {
			t.Fatal(err)
		}
	}
	px := startProxy(t)
	var drops disconnects
	c := connectTo(t, px.Addr(), zk.WithStateListener(drops.listen))
	tc, err := cache.NewTreeCache(c, root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	if err := tc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	px.SetRefuse(true)
	px.Cut()
	eventually(t, 30*time.Second, func() error {
		if c.State() == zk.StateConnected {
			return errors.New("still connected")
		}
		return nil
	})
	for i := range n {
		data := make([]byte, size)
		data[0] = byte(i)
		if _, err := admin.Set(ctx, fmt.Sprintf("%s/n%02d", root, i), data, -1); err != nil {
			t.Fatal(err)
		}
	}
	px.SetRefuse(false)
	eventually(t, 60*time.Second, func() error {
		for p, nd := range tc.Snapshot() {
			if p != root && len(nd.Data) != size {
				return fmt.Errorf("%s: %d bytes cached, want %d (the client dropped its connection %d times)", p, len(nd.Data), size, drops.n.Load())
			}
		}
		return nil
	})
	// One drop is the test's own cut.
	t.Logf("the client dropped its connection %d times (1 by the test)", drops.n.Load())
	if d := drops.n.Load(); d != 1 {
		t.Errorf("the client dropped its connection %d times, want only the test's cut", d)
	}
}

// TestTreeCacheNodeOverReplyLimit: one node's reply is over the client's
// reply limit. The cache loads everything else and follows changes; the
// node it cannot read is left out instead of failing every full read.
func TestTreeCacheNodeOverReplyLimit(t *testing.T) {
	ctx := ctxFor(t, time.Minute)
	c := connectTo(t, srv.Addr(), zk.WithMaxReplySize(64<<10))
	root := testPath(t)
	if _, err := c.Create(ctx, root, nil, zk.Persistent, open); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c"} {
		if _, err := c.Create(ctx, root+"/"+n, []byte(n), zk.Persistent, open); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Create(ctx, root+"/big", make([]byte, 100<<10), zk.Persistent, open); err != nil {
		t.Fatal(err)
	}
	tc, err := cache.NewTreeCache(c, root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := tc.Start(sctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	for _, n := range []string{"a", "b", "c"} {
		if nd, ok := tc.Get(root + "/" + n); !ok || string(nd.Data) != n {
			t.Errorf("%s: cached %v %q", n, ok, nd.Data)
		}
	}
	if _, ok := tc.Get(root + "/big"); ok {
		t.Error("the node over the reply limit is cached")
	}
	if _, err := c.Set(ctx, root+"/a", []byte("a2"), -1); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error {
		if nd, _ := tc.Get(root + "/a"); string(nd.Data) != "a2" {
			return fmt.Errorf("a = %q, want a2", nd.Data)
		}
		return nil
	})
}
