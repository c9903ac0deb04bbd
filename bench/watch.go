package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/zkwire/zk/zktest"
)

// watchNodes returns the paths of n watch nodes, creating them (through
// c, rn.conc in flight) unless an earlier run left a complete set: the
// marker node "ready" is created last.
func (rn *runner) watchNodes(c Client, n int) ([]string, error) {
	dir := fmt.Sprintf("%s/watch-%d", rn.cfg.Root, n)
	paths := make([]string, n)
	for i := range paths {
		paths[i] = dir + "/" + strconv.Itoa(i)
	}
	if _, err := c.Get(rn.ctx, dir+"/ready"); err == nil {
		return paths, nil
	}
	rn.phase.Store("creating nodes")
	if err := rn.ensure(c, nil, rn.cfg.Root, dir); err != nil {
		return nil, err
	}
	val := rn.value()
	_ = rn.parallel(n, rn.conc, func(i int) error { return c.Create(rn.ctx, paths[i], val) })
	// Creates fail for nodes that exist already; what matters is that all
	// exist now.
	if err := rn.parallel(n, rn.conc, func(i int) error { _, err := c.Get(rn.ctx, paths[i]); return err }); err != nil {
		return nil, fmt.Errorf("bench: preparing %d watch nodes: %w", n, err)
	}
	if err := c.Create(rn.ctx, dir+"/ready", nil); err != nil {
		return nil, fmt.Errorf("bench: preparing %d watch nodes: %w", n, err)
	}
	return paths, nil
}

// register sets a watch on each path, rn.conc in flight.
func (rn *runner) register(c Client, paths []string, ws []Watch) error {
	rn.phase.Store("registering")
	return rn.parallel(len(paths), rn.conc, func(i int) (err error) {
		ws[i], err = c.GetW(rn.ctx, paths[i])
		return err
	})
}

// waiters starts one goroutine per watch that records when its event
// arrives in at; the returned function waits for them all (they end when
// ctx does, at the latest) and returns how many fired; it may be called
// again. It is the goroutine per watch that user code would run.
func waiters(ctx context.Context, ws []Watch, at []time.Time) func() int {
	var wg sync.WaitGroup
	fired := make([]bool, len(ws))
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w.Wait(ctx) {
				at[i], fired[i] = time.Now(), true
			}
		}()
	}
	return func() int {
		wg.Wait()
		n := 0
		for _, f := range fired {
			if f {
				n++
			}
		}
		return n
	}
}

// notifyLatencies turns send and delivery times into latencies, for the
// watches that fired, and returns the last delivery since base.
func notifyLatencies(base time.Time, sent []time.Duration, got []time.Time) (lat []time.Duration, last time.Duration) {
	lat = make([]time.Duration, 0, len(sent))
	for i := range sent {
		if !got[i].IsZero() {
			d := got[i].Sub(base)
			lat = append(lat, d-sent[i])
			last = max(last, d)
		}
	}
	return lat, last
}

// runWatchFire registers N data watches, measures the heap they take,
// then a second session sets every node and the run measures until every
// event has been delivered.
func runWatchFire(rn *runner) (Result, error) {
	n := rn.cfg.Watches
	helper, err := rn.dial(rn.cfg.Helper, rn.cfg.Servers)
	if err != nil {
		return Result{}, err
	}
	defer helper.Close()
	paths, err := rn.watchNodes(helper, n)
	if err != nil {
		return Result{}, err
	}
	c, err := rn.dial(rn.cfg.Client, rn.cfg.Servers)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()

	ws := make([]Watch, n)
	sent, got := make([]time.Duration, n), make([]time.Time, n)
	r := Result{Watches: n}
	before := liveHeap()
	t0 := time.Now()
	if err := rn.register(c, paths, ws); err != nil {
		return r, fmt.Errorf("bench: registering watches: %w", err)
	}
	r.RegisterS = time.Since(t0).Seconds()
	after := liveHeap()
	r.HeapPerWatch = (float64(after) - float64(before)) / float64(n)

	ctx, cancel := context.WithTimeout(rn.ctx, 5*time.Minute)
	defer cancel()
	wait := waiters(ctx, ws, got)
	defer func() { cancel(); wait() }() // on every return, no waiter is left behind
	rn.phase.Store("firing")
	m := rn.startMeter()
	base := m.start
	val := []byte("changed")
	setErr := rn.parallel(n, rn.conc, func(i int) error {
		sent[i] = time.Since(base)
		return helper.Set(rn.ctx, paths[i], val)
	})
	if setErr != nil {
		cancel() // some events will never come
	}
	fired := wait()
	r.Ops = int64(fired)
	r.Errors = int64(n - fired)
	m.stop(&r)
	lat, last := notifyLatencies(base, sent, got)
	r.DeliverS = last.Seconds()
	if r.Ops > 0 {
		r.OpsPerS = float64(r.Ops) / r.DeliverS
	}
	r.setLatencies(lat)
	if setErr != nil {
		return r, fmt.Errorf("bench: setting watched nodes: %w", setErr)
	}
	return r, nil
}

// runWatchReconnect registers N watches through a fault proxy, cuts the
// connection and refuses new ones for cfg.Cut while cfg.Changes watched
// nodes change, then measures until the server holds the remaining
// watches again (wchs) and every change's event was delivered.
func runWatchReconnect(rn *runner) (Result, error) {
	n, k := rn.cfg.Watches, rn.cfg.Changes
	target := rn.cfg.Servers[0]
	helper, err := rn.dial(rn.cfg.Helper, []string{target})
	if err != nil {
		return Result{}, err
	}
	defer helper.Close()
	paths, err := rn.watchNodes(helper, n)
	if err != nil {
		return Result{}, err
	}
	proxy, err := zktest.NewProxy(target)
	if err != nil {
		return Result{}, err
	}
	defer proxy.Close()
	baseline, err := watchCount(rn.ctx, target)
	if err != nil {
		return Result{}, err
	}
	c, err := rn.dial(rn.cfg.Client, []string{proxy.Addr()})
	if err != nil {
		return Result{}, err
	}
	defer c.Close()

	ws := make([]Watch, n)
	r := Result{Watches: n}
	t0 := time.Now()
	if err := rn.register(c, paths, ws); err != nil {
		return r, fmt.Errorf("bench: registering watches: %w", err)
	}
	r.RegisterS = time.Since(t0).Seconds()
	ctx, cancel := context.WithTimeout(rn.ctx, 2*time.Minute)
	defer cancel()
	if err := waitWatches(ctx, target, func(w int) bool { return w >= baseline+n }); err != nil {
		return r, fmt.Errorf("bench: watches not on the server after registering: %w", err)
	}
	sent, got := make([]time.Duration, k), make([]time.Time, k)
	wait := waiters(ctx, ws[:k], got)
	defer func() { cancel(); wait() }() // on every return, no waiter is left behind
	rn.phase.Store("cut")
	m := rn.startMeter()
	base := m.start
	proxy.SetRefuse(true)
	proxy.Cut()
	// The server drops the connection's watches when it sees it close.
	if err := waitWatches(ctx, target, func(w int) bool { return w < baseline+n }); err != nil {
		return r, fmt.Errorf("bench: server still holds the watches after the cut: %w", err)
	}
	val := []byte("changed")
	setErr := rn.parallel(k, rn.conc, func(i int) error {
		sent[i] = time.Since(base)
		return helper.Set(rn.ctx, paths[i], val)
	})
	if setErr != nil {
		cancel() // some events will never come
	}
	time.Sleep(time.Until(base.Add(rn.cfg.Cut)))
	proxy.SetRefuse(false)
	rn.phase.Store("restoring")
	// The k changed watches fire during restoration instead of coming back.
	if err := waitWatches(ctx, target, func(w int) bool { return w >= baseline+n-k }); err != nil {
		return r, fmt.Errorf("bench: watches not restored: %w", err)
	}
	r.RestoredS = time.Since(base).Seconds()
	fired := wait()
	r.Ops, r.Errors = int64(fired), int64(k-fired)
	m.stop(&r)
	lat, last := notifyLatencies(base, sent, got)
	r.RecoverS = max(r.RestoredS, last.Seconds())
	r.setLatencies(lat)
	if setErr != nil {
		return r, fmt.Errorf("bench: setting watched nodes: %w", setErr)
	}
	return r, nil
}

// watchCount is the server's total of data watches (wchs).
func watchCount(ctx context.Context, addr string) (int, error) {
	out, err := zktest.FourLetter(ctx, addr, "wchs")
	if err != nil {
		return 0, err
	}
	return zktest.ParseTotalWatches(out)
}

// waitWatches polls wchs every 10 ms until ok accepts the total.
func waitWatches(ctx context.Context, addr string, ok func(int) bool) error {
	for {
		w, err := watchCount(ctx, addr)
		if err == nil && ok(w) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last total %d, err %v)", ctx.Err(), w, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
