package zk_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// TestReconnectRestoresManyWatches registers 100,000 watches, cuts the
// connection, changes 100 watched nodes while the client is away, and
// checks that every watch is back on the server and every change is
// delivered. It logs how long the re-registration took
// (go test -run TestReconnectRestoresManyWatches -v).
func TestReconnectRestoresManyWatches(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	s := startOwnServer(t)
	proxy := startProxy(t, s.Addr())
	rec := &stateRecorder{}
	c := connectTo(t, []string{proxy.Addr()}, zk.WithSessionTimeout(30*time.Second), zk.WithStateListener(rec.add))
	writer := connectTo(t, []string{s.Addr()}, zk.WithSessionTimeout(30*time.Second))
	ctx := ctxFor(t, 5*time.Minute)
	root := testPath(t)
	mustCreate(t, writer, root, nil)

	// Exists watches on missing nodes: registered without creating
	// 100,000 nodes, and counted by wchs like any data watch.
	watches := make([]*zk.Watch, n)
	path := func(i int) string { return fmt.Sprintf("%s/n%06d", root, i) }
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < n; i += 64 {
				_, _, w, err := c.ExistsW(ctx, path(i))
				if err != nil {
					errs <- err
					return
				}
				watches[i] = w
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	t.Logf("registered %d watches in %v", n, time.Since(start).Round(time.Millisecond))
	countIs := func(want int) func() error {
		return func() error {
			got, err := s.WatchCount(ctx)
			if err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("server holds %d watches, want %d", got, want)
			}
			return nil
		}
	}
	eventually(t, 30*time.Second, countIs(n))

	proxy.SetRefuse(true)
	proxy.Cut()
	rec.waitFor(t, zk.StateDisconnected, 1, 20*time.Second)
	eventually(t, 20*time.Second, countIs(0)) // the server dropped them with the connection
	changed := make(map[int]bool)
	for i := 0; i < n; i += n / 100 {
		mustCreate(t, writer, path(i), nil)
		changed[i] = true
	}
	cut := time.Now()
	proxy.SetRefuse(false)
	rec.waitFor(t, zk.StateConnected, 2, 30*time.Second)
	eventually(t, 60*time.Second, countIs(n-len(changed)))
	restored := time.Since(cut)
	for i := range changed {
		if ev := nextEvent(t, watches[i], 30*time.Second); ev.Type != zk.EventNodeCreated {
			t.Fatalf("watch %d: %v, want NodeCreated", i, ev)
		}
	}
	delivered := time.Since(cut)
	t.Logf("after reconnect: %d watches back on the server in %v, %d changes delivered in %v",
		n-len(changed), restored.Round(time.Millisecond), len(changed), delivered.Round(time.Millisecond))
	regs := c.Watches()
	total := 0
	for _, r := range regs {
		total += r.Watchers
	}
	if total != n-len(changed) {
		t.Fatalf("client holds %d watchers, want %d", total, n-len(changed))
	}
}
