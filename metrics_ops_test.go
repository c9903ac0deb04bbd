package zk_test

import (
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// Every operation goes through the one request path, so the metrics hook
// sees each kind exactly once per request: started once, done once, and
// nothing else counted. Watch removals (RemoveWatches, and the removal
// Watch.Stop sends without waiting) are requests too.
func TestMetricsEveryOpOnce(t *testing.T) {
	m := newCountingMetrics()
	c := connect(t, zk.WithMetrics(m))
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)

	var stopLater *zk.Watch
	cases := []struct {
		name string
		op   string // the protocol name RequestStarted and RequestDone get
		f    func() error
	}{
		{"Create", "create", func() error { _, err := c.Create(ctx, p, []byte("x"), zk.Persistent, open); return err }},
		{"CreateWithStat", "create2", func() error {
			_, _, err := c.CreateWithStat(ctx, p+"/a", nil, zk.Persistent, open)
			return err
		}},
		{"CreateContainer", "createContainer", func() error { _, _, err := c.CreateContainer(ctx, p+"/ct", nil, open); return err }},
		{"Exists", "exists", func() error { _, _, err := c.Exists(ctx, p); return err }},
		{"Get", "getData", func() error { _, _, err := c.Get(ctx, p); return err }},
		{"Get missing", "getData", func() error {
			if _, _, err := c.Get(ctx, p+"/missing"); !errors.Is(err, zk.ErrNoNode) {
				return fmt.Errorf("got %v, want ErrNoNode", err)
			}
			return nil
		}},
		{"Set", "setData", func() error { _, err := c.Set(ctx, p, []byte("y"), -1); return err }},
		{"Children", "getChildren2", func() error { _, _, err := c.Children(ctx, p); return err }},
		{"GetACL", "getACL", func() error { _, _, err := c.GetACL(ctx, p); return err }},
		{"SetACL", "setACL", func() error { _, err := c.SetACL(ctx, p+"/a", open, -1); return err }},
		{"Sync", "sync", func() error { return c.Sync(ctx, p) }},
		{"Ephemerals", "getEphemerals", func() error { _, err := c.Ephemerals(ctx, p); return err }},
		{"AllChildrenNumber", "getAllChildrenNumber", func() error { _, err := c.AllChildrenNumber(ctx, p); return err }},
		{"WhoAmI", "whoAmI", func() error { _, err := c.WhoAmI(ctx); return err }},
		{"Multi", "multi", func() error {
			_, err := c.Multi(ctx, zk.CreateOp(p+"/b", nil, zk.Persistent, open), zk.SetOp(p+"/b", []byte("z"), -1))
			return err
		}},
		{"MultiRead", "multiRead", func() error {
			_, err := c.MultiRead(ctx, zk.GetOp(p), zk.ChildrenOp(p))
			return err
		}},
		{"GetW", "getData", func() error {
			_, _, w, err := c.GetW(ctx, p)
			stopLater = w
			return err
		}},
		{"Watch.Stop", "removeWatches", func() error { stopLater.Stop(); return nil }},
		{"ExistsW missing", "exists", func() error {
			_, _, w, err := c.ExistsW(ctx, p+"/none")
			stopLater = w
			return err
		}},
		{"CheckWatches", "checkWatches", func() error { return c.CheckWatches(ctx, p+"/none", zk.KindData) }},
		{"RemoveWatches", "removeWatches", func() error { return c.RemoveWatches(ctx, p+"/none", zk.KindData, false) }},
		{"ChildrenW", "getChildren2", func() error {
			_, _, w, err := c.ChildrenW(ctx, p)
			stopLater = w
			return err
		}},
		{"Watch.Stop children", "removeWatches", func() error { stopLater.Stop(); return nil }},
		{"AddWatch", "addWatch", func() error {
			w, err := c.AddWatch(ctx, p, zk.KindPersistent)
			stopLater = w
			return err
		}},
		{"Watch.Stop persistent", "removeWatches", func() error { stopLater.Stop(); return nil }},
		{"Batch", "getData", func() error {
			b := c.NewBatch()
			b.Get(p)
			b.Exists(p + "/none")
			b.Create(p+"/c", nil, zk.Persistent, open)
			res, err := b.Wait(ctx)
			if err != nil {
				return err
			}
			for _, r := range res {
				if r.Err != nil {
					return r.Err
				}
			}
			return nil
		}},
		{"Delete", "delete", func() error { return c.Delete(ctx, p+"/b", -1) }},
	}
	for _, tc := range cases {
		before := m.snapshot()
		if err := tc.f(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := map[string]int{tc.op: 1}
		if tc.name == "Batch" { // one request per operation
			want = map[string]int{"getData": 1, "exists": 1, "create2": 1}
		}
		// Removals by Stop complete without a waiter: their done may come
		// just after Stop returns.
		eventually(t, 10*time.Second, func() error {
			after := m.snapshot()
			if s, d := delta(before.started, after.started), delta(before.done, after.done); !maps.Equal(s, want) || !maps.Equal(d, want) {
				return fmt.Errorf("%s: started %v, done %v; want %v for both", tc.name, s, d, want)
			}
			if after.inFlight != 0 {
				return fmt.Errorf("%s: %d requests in flight after it", tc.name, after.inFlight)
			}
			return nil
		})
	}
}

// delta is after minus before, without the zero entries.
func delta(before, after map[string]int) map[string]int {
	d := map[string]int{}
	for k, v := range after {
		if v != before[k] {
			d[k] = v - before[k]
		}
	}
	return d
}
