package discovery_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/cache"
	"github.com/zkwire/zk/recipes/discovery"
)

// register registers ins on one registry and waits until d sees them all.
func register(t *testing.T, r *discovery.Registry, d *discovery.Discoverer, ins ...discovery.Instance) {
	t.Helper()
	ctx := ctxFor(t, 30*time.Second)
	for _, in := range ins {
		if err := r.Register(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.WaitFor(ctx, count(len(ins))); err != nil {
		t.Fatal(err)
	}
}

func picks(t *testing.T, d *discovery.Discoverer, n int) []string {
	t.Helper()
	var out []string
	for range n {
		in, err := d.Pick()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, in.ID)
	}
	return out
}

func TestRoundRobinCycles(t *testing.T) {
	name := testService(t)
	c := connect(t)
	d := newDiscoverer(t, c, name, discovery.WithBalancer(discovery.RoundRobin()))
	if _, err := d.Pick(); err == nil {
		t.Fatal("Pick on an empty service succeeded")
	}
	register(t, newRegistry(t, c), d, inst(name, "a"), inst(name, "b"), inst(name, "c"))
	got := picks(t, d, 9)
	for i := 3; i < len(got); i++ {
		if got[i] != got[i-3] {
			t.Fatalf("picks %v do not cycle with period 3", got)
		}
	}
	first := got[:3]
	slices.Sort(first)
	if !slices.Equal(first, []string{"a", "b", "c"}) {
		t.Fatalf("one cycle picked %v", first)
	}
}

func TestRandomCoversAll(t *testing.T) {
	name := testService(t)
	c := connect(t)
	d := newDiscoverer(t, c, name, discovery.WithBalancer(discovery.Random()))
	register(t, newRegistry(t, c), d, inst(name, "a"), inst(name, "b"), inst(name, "c"), inst(name, "d"))
	seen := map[string]int{}
	for _, id := range picks(t, d, 400) {
		seen[id]++
	}
	// Each has probability 1/4; missing one in 400 picks: (3/4)^400 ≈ 1e-50.
	if len(seen) != 4 {
		t.Fatalf("400 random picks saw only %v", seen)
	}
}

func TestPrimaryPreferredFallsBack(t *testing.T) {
	ctx := ctxFor(t, 30*time.Second)
	name := testService(t)
	c := connect(t)
	d := newDiscoverer(t, c, name, discovery.WithBalancer(discovery.PrimaryPreferred(nil)))
	r := newRegistry(t, c)
	p := inst(name, "p")
	p.Primary = true
	register(t, r, d, inst(name, "a"), p, inst(name, "b"))
	for _, id := range picks(t, d, 10) {
		if id != "p" {
			t.Fatalf("picked %s while the primary is up", id)
		}
	}
	if err := r.Unregister(ctx, name, "p"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WaitFor(ctx, count(2)); err != nil {
		t.Fatal(err)
	}
	got := picks(t, d, 10)
	if slices.Contains(got, "p") || !slices.Contains(got, "a") || !slices.Contains(got, "b") {
		t.Fatalf("without a primary, picks %v; want a and b", got)
	}
	// A primary comes back: picked again.
	if err := r.Register(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WaitFor(ctx, count(3)); err != nil {
		t.Fatal(err)
	}
	if got := picks(t, d, 5); slices.ContainsFunc(got, func(id string) bool { return id != "p" }) {
		t.Fatalf("primary back, picks %v", got)
	}
}

func TestLeastLoadedFollowsUpdates(t *testing.T) {
	ctx := ctxFor(t, 30*time.Second)
	name := testService(t)
	c := connect(t)
	d := newDiscoverer(t, c, name, discovery.WithBalancer(discovery.LeastLoaded()))
	r := newRegistry(t, c)
	load := func(id string, l float64) discovery.Instance { in := inst(name, id); in.Load = l; return in }
	register(t, r, d, load("a", 3), load("b", 1), load("c", 2))
	if got := picks(t, d, 3); !slices.Equal(got, []string{"b", "b", "b"}) {
		t.Fatalf("picks %v, want b (load 1)", got)
	}
	if err := r.Update(ctx, load("b", 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WaitFor(ctx, func(ins []discovery.Instance) bool {
		return len(ins) == 3 && ins[1].Load == 5
	}); err != nil {
		t.Fatal(err)
	}
	if in, _ := d.Pick(); in.ID != "c" {
		t.Fatalf("picked %s, want c (load 2) after b went to 5", in.ID)
	}
	if err := r.Update(ctx, load("a", 0.5)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WaitFor(ctx, func(ins []discovery.Instance) bool { return ins[0].Load == 0.5 }); err != nil {
		t.Fatal(err)
	}
	if in, _ := d.Pick(); in.ID != "a" {
		t.Fatalf("picked %s, want a (load 0.5)", in.ID)
	}
}

// A node created empty, then holding garbage or an instance of another
// node, is never shown; it appears once it holds a valid instance, and
// disappears again when its data turns bad.
func TestDiscovererNeverShowsHalfReadInstances(t *testing.T) {
	for _, oneShot := range []bool{false, true} {
		t.Run(fmt.Sprintf("oneShot=%v", oneShot), func(t *testing.T) {
			ctx := ctxFor(t, 60*time.Second)
			name := testService(t)
			c := connect(t)
			var opts []discovery.Option
			if oneShot {
				opts = append(opts, discovery.WithCacheOptions(cache.WithOneShotWatches()))
			}
			d := newDiscoverer(t, c, name, opts...)

			// Check every view the discoverer shows, all along.
			var bad atomic.Value
			var views atomic.Int64
			watchCtx, stop := context.WithCancel(ctx)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				d.WaitFor(watchCtx, func(ins []discovery.Instance) bool {
					views.Add(1)
					for _, in := range ins {
						if in.ID == "" || in.Address == "" || in.Name != name {
							bad.Store(fmt.Sprintf("%+v", in))
						}
					}
					return false
				})
			}()

			svc := "/services/" + name
			r := newRegistry(t, c)
			// A valid instance registered after each bad write is a marker:
			// once the discoverer shows it, it has processed the bad write.
			marker := 0
			step := func(want []string) {
				t.Helper()
				marker++
				m := inst(name, fmt.Sprintf("marker%d", marker))
				if err := r.Register(ctx, m); err != nil {
					t.Fatal(err)
				}
				// One-shot watches on different nodes may be served in
				// either order, so wait for both the marker and the rest.
				others := func(ins []discovery.Instance) []string {
					var out []string
					for _, id := range ids(ins) {
						if id != m.ID {
							out = append(out, id)
						}
					}
					return out
				}
				wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				defer cancel()
				var last []discovery.Instance
				if _, err := d.WaitFor(wctx, func(ins []discovery.Instance) bool {
					last = ins
					return slices.Contains(ids(ins), m.ID) && slices.Equal(others(ins), want)
				}); err != nil {
					t.Fatalf("instances %v, want %v and the marker: %v", ids(last), want, err)
				}
				if err := r.Unregister(ctx, name, m.ID); err != nil {
					t.Fatal(err)
				}
			}
			x := svc + "/x"
			if _, err := c.Create(ctx, svc, nil, zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Create(ctx, x, nil, zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			step(nil)
			for _, data := range []string{"{not json", `{"id":"y","name":"` + name + `","address":"h"}`, `{"id":"x","name":"` + name + `"}`, "null"} {
				if _, err := c.Set(ctx, x, []byte(data), -1); err != nil {
					t.Fatal(err)
				}
				step(nil)
			}
			if _, err := c.Set(ctx, x, []byte(`{"id":"x","name":"`+name+`","address":"10.1.1.1","port":9}`), -1); err != nil {
				t.Fatal(err)
			}
			step([]string{"x"})
			if _, err := c.Set(ctx, x, []byte("broken"), -1); err != nil {
				t.Fatal(err)
			}
			step(nil)
			stop()
			wg.Wait()
			if b := bad.Load(); b != nil {
				t.Fatalf("the discoverer showed a half-read instance: %v", b)
			}
			if views.Load() < 10 {
				t.Fatalf("only %d views checked", views.Load())
			}
		})
	}
}

func TestNewDiscovererRejectsBadInput(t *testing.T) {
	c := connect(t)
	for _, name := range []string{"", "a/b", ".."} {
		if _, err := discovery.NewDiscoverer(c, name); err == nil {
			t.Errorf("NewDiscoverer(%q) succeeded", name)
		}
	}
	if _, err := discovery.NewDiscoverer(c, "ok", discovery.WithBasePath("rel")); err == nil {
		t.Error("relative base path accepted")
	}
	if _, err := discovery.NewRegistry(c, discovery.WithACL(nil)); err == nil {
		t.Error("empty ACL accepted")
	}
}
