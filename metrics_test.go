package zk_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// countingMetrics records what the client reports.
type countingMetrics struct {
	mu          sync.Mutex
	started     map[string]int
	done        map[string]int
	failed      map[string]int
	latency     map[string]time.Duration
	inFlight    int
	maxInFlight int
	reconnects  int
	expiries    int
}

func newCountingMetrics() *countingMetrics {
	return &countingMetrics{started: map[string]int{}, done: map[string]int{}, failed: map[string]int{}, latency: map[string]time.Duration{}}
}

func (m *countingMetrics) RequestStarted(op string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.started[op]++
	m.inFlight++
	m.maxInFlight = max(m.maxInFlight, m.inFlight)
}

func (m *countingMetrics) RequestDone(op string, d time.Duration, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done[op]++
	m.inFlight--
	m.latency[op] += d
	if err != nil {
		m.failed[op]++
	}
}

func (m *countingMetrics) Reconnected()    { m.mu.Lock(); m.reconnects++; m.mu.Unlock() }
func (m *countingMetrics) SessionExpired() { m.mu.Lock(); m.expiries++; m.mu.Unlock() }

func (m *countingMetrics) snapshot() countingMetrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	cp := func(x map[string]int) map[string]int {
		out := map[string]int{}
		for k, v := range x {
			out[k] = v
		}
		return out
	}
	return countingMetrics{started: cp(m.started), done: cp(m.done), failed: cp(m.failed),
		inFlight: m.inFlight, maxInFlight: m.maxInFlight, reconnects: m.reconnects, expiries: m.expiries}
}

func TestMetrics(t *testing.T) {
	s := startOwnServer(t)
	proxy := startProxy(t, s.Addr())
	m := newCountingMetrics()
	rec := &stateRecorder{}
	c := connectTo(t, []string{proxy.Addr()}, zk.WithMetrics(m), zk.WithStateListener(rec.add),
		zk.WithSessionTimeout(20*time.Second), zk.WithWatchBuffer(2))
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, []byte("x"))
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); c.GetACL(ctx, p) }()
	}
	wg.Wait()
	if _, _, err := c.GetACL(ctx, p+"/missing"); !errors.Is(err, zk.ErrNoNode) {
		t.Fatal(err)
	}
	_, _, w, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	snap := m.snapshot()
	if snap.started["create"] != 1 || snap.done["create"] != 1 || snap.started["getACL"] != 21 ||
		snap.done["getACL"] != 21 || snap.done["getData"] != 1 {
		t.Fatalf("started %v, done %v", snap.started, snap.done)
	}
	if snap.failed["getACL"] != 1 || snap.inFlight != 0 || snap.maxInFlight < 1 {
		t.Fatalf("failed %v, in flight %d (max %d)", snap.failed, snap.inFlight, snap.maxInFlight)
	}
	if m.latency["getACL"] <= 0 {
		t.Fatal("no latency measured")
	}

	// Watch gauges, by kind; an overflowing persistent watch is counted.
	pw, err := c.AddWatch(ctx, p, zk.KindPersistent)
	if err != nil {
		t.Fatal(err)
	}
	if snap := m.snapshot(); snap.done["addWatch"] != 1 {
		t.Fatalf("done %v, want one addWatch", snap.done)
	}
	st := c.Stats()
	if st.Watches[zk.KindData] != 1 || st.Watches[zk.KindPersistent] != 1 || st.Watchers != 2 {
		t.Fatalf("stats %+v", st)
	}
	for i := 0; i < 6; i++ {
		if _, err := c.Set(ctx, p, []byte(fmt.Sprint(i)), -1); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 20*time.Second, func() error {
		if n := c.Stats().WatchOverflows; n != 1 {
			return fmt.Errorf("%d overflows", n)
		}
		return nil
	})
	pw.Stop()

	// Reconnects and expiries.
	proxy.Cut()
	rec.waitFor(t, zk.StateConnected, 2, 30*time.Second)
	// The hot-path reads are measured too.
	before := m.snapshot().done["getData"]
	if _, _, err := c.Get(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Exists(ctx, p); err != nil {
		t.Fatal(err)
	}
	if snap := m.snapshot(); snap.done["getData"] != before+1 || snap.done["exists"] != 1 {
		t.Fatalf("done %v: Get or Exists not measured", snap.done)
	}
	if err := zktest.ExpireSession(ctx, s.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, zk.StateExpired, 1, 30*time.Second)
	snap = m.snapshot()
	if snap.reconnects != 1 || snap.expiries != 1 {
		t.Fatalf("reconnects %d, expiries %d; want 1 and 1 (states %v)", snap.reconnects, snap.expiries, rec.get())
	}
}

type nopMetrics struct{}

func (nopMetrics) RequestStarted(string)                    {}
func (nopMetrics) RequestDone(string, time.Duration, error) {}
func (nopMetrics) Reconnected()                             {}
func (nopMetrics) SessionExpired()                          {}

// Metrics cost nothing when unused, and the hook itself allocates
// nothing: a read allocates as much with a no-op Metrics as without.
func TestMetricsAllocs(t *testing.T) {
	plain := connect(t)
	measured := connect(t, zk.WithMetrics(nopMetrics{}))
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	mustCreate(t, plain, p, []byte("data"))
	get := func(c *zk.Client) func() {
		return func() {
			if _, _, err := c.Get(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	get(plain)()
	get(measured)()
	// The minimum of a few rounds: a round may catch a ping or a GC.
	minAllocs := func(f func()) float64 {
		best := -1.0
		for i := 0; i < 5; i++ {
			if a := testing.AllocsPerRun(200, f); best < 0 || a < best {
				best = a
			}
		}
		return best
	}
	without, with := minAllocs(get(plain)), minAllocs(get(measured))
	t.Logf("allocations per Get: %.0f without metrics, %.0f with a no-op Metrics", without, with)
	if with > without {
		t.Fatalf("metrics add %.1f allocations per Get", with-without)
	}
}

func BenchmarkMetricsHook(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []zk.Option
	}{{"none", nil}, {"nop", []zk.Option{zk.WithMetrics(nopMetrics{})}}} {
		b.Run(tc.name, func(b *testing.B) {
			c := connect(b, tc.opts...)
			ctx := ctxFor(b, 5*time.Minute)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, _, err := c.Get(ctx, "/"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
