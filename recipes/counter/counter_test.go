package counter_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/recipes/counter"
)

func TestCounterConcurrentAdds(t *testing.T) {
	const clients, goroutines, adds = 3, 8, 50
	path := testPath(t) + "/hits"
	ctx := ctxFor(t, 5*time.Minute)
	var wg sync.WaitGroup
	errs := make(chan error, clients*goroutines)
	seen := make([]map[int64]bool, clients*goroutines)
	for i := range clients {
		c := connect(t, "")
		k, err := counter.New(c, path)
		if err != nil {
			t.Fatal(err)
		}
		for g := range goroutines {
			w := i*goroutines + g
			seen[w] = make(map[int64]bool)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range adds {
					v, err := k.Add(ctx, 1)
					if err != nil {
						errs <- err
						return
					}
					seen[w][v] = true
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	k, _ := counter.New(connect(t, ""), path)
	got, err := k.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(clients * goroutines * adds); got != want {
		t.Fatalf("counter = %d, want %d", got, want)
	}
	// Each value 1..total was returned by exactly one Add.
	all := make(map[int64]bool)
	for _, m := range seen {
		for v := range m {
			if all[v] {
				t.Fatalf("value %d returned twice", v)
			}
			all[v] = true
		}
	}
	if len(all) != int(got) {
		t.Fatalf("%d distinct values returned, want %d", len(all), got)
	}
}

func TestCounterGetSet(t *testing.T) {
	c := connect(t, "")
	ctx := ctxFor(t, 30*time.Second)
	path := testPath(t) + "/a/b"
	k, err := counter.New(c, path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := k.Get(ctx); err != nil || v != 0 {
		t.Fatalf("Get on a missing node = %d, %v; want 0", v, err)
	}
	if err := k.Set(ctx, 41); err != nil {
		t.Fatal(err)
	}
	if v, err := k.Add(ctx, 1); err != nil || v != 42 {
		t.Fatalf("Add = %d, %v; want 42", v, err)
	}
	if v, err := k.Add(ctx, -50); err != nil || v != -8 {
		t.Fatalf("Add(-50) = %d, %v; want -8", v, err)
	}
	if err := k.Set(ctx, 1<<62); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Add(ctx, 1<<62); !errors.Is(err, counter.ErrOverflow) {
		t.Fatalf("overflowing Add = %v, want ErrOverflow", err)
	}
	if v, _ := k.Get(ctx); v != 1<<62 {
		t.Fatalf("after a refused add: %d", v)
	}
	if _, err := c.Set(ctx, path, []byte("not a number"), -1); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Add(ctx, 1); !errors.Is(err, counter.ErrNotCounter) {
		t.Fatalf("Add on garbage = %v, want ErrNotCounter", err)
	}
	for _, p := range []string{"", "x", "/", "/a/"} {
		if _, err := counter.New(c, p); err == nil {
			t.Errorf("New(%q) succeeded", p)
		}
	}
}

// TestCounterAddAcrossCuts adds while the proxy keeps cutting the
// connection: every add that reports success was applied once, and the
// count is exact unless an outcome was reported unknown.
func TestCounterAddAcrossCuts(t *testing.T) {
	px := testenv.Proxy(t, srv.Addr())
	c := connect(t, px.Addr())
	ctx := ctxFor(t, 3*time.Minute)
	path := testPath(t)
	k, _ := counter.New(c, path)
	stopCuts := testenv.CutEvery(px, 20*time.Millisecond)
	ok, unknown := 0, 0
	last := int64(0)
	for range 200 {
		v, err := k.Add(ctx, 1)
		switch {
		case err == nil:
			ok++
			if v <= last {
				t.Errorf("Add returned %d after %d (single writer)", v, last)
			}
			last = v
		case errors.Is(err, counter.ErrOutcomeUnknown) && errors.Is(err, zk.ErrConnectionLoss):
			unknown++
		default:
			t.Fatal(err)
		}
	}
	stopCuts()
	got, err := k.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A single writer always resolves a lost reply.
	if unknown != 0 || got != int64(ok) {
		t.Fatalf("counter %d after %d adds reported applied and %d unknown", got, ok, unknown)
	}
}
