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
// again. It is the goroutine per watch that user code would run. It
// returns once every goroutine has started.
func waiters(ctx context.Context, ws []Watch, at []time.Time) func() int {
	var wg, started sync.WaitGroup
	fired := make([]bool, len(ws))
	for i, w := range ws {
		wg.Add(1)
		started.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			if w.Wait(ctx) {
				at[i], fired[i] = time.Now(), true
			}
		}()
	}
	started.Wait()
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

// callbacks records the events of watches set in the callback form: no
// goroutine and no channel per watch, one function each.
type callbacks struct {
	mu    sync.Mutex
	at    []time.Time
	fired int
	left  int
	done  chan struct{}
	over  bool // wait returned: later calls record nothing
}

func newCallbacks(at []time.Time) *callbacks {
	return &callbacks{at: at, left: len(at), done: make(chan struct{})}
}

// fn is watch i's callback.
func (cb *callbacks) fn(i int) func(bool) {
	return func(ok bool) {
		now := time.Now()
		cb.mu.Lock()
		defer cb.mu.Unlock()
		if cb.over || cb.left == 0 {
			return
		}
		if ok {
			cb.at[i] = now
			cb.fired++
		}
		if cb.left--; cb.left == 0 {
			close(cb.done)
		}
	}
}

// wait returns how many watches fired once every callback ran or ctx
// ended.
func (cb *callbacks) wait(ctx context.Context) int {
	select {
	case <-cb.done:
	case <-ctx.Done():
	}
	cb.mu.Lock()
	defer cb.mu.Unlock()
	cb.over = true
	return cb.fired
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

// runWatchFire registers N data watches, measures the heap and RSS they
// take, alone and with their readers, then a second session sets every
// node and the run measures until every event has been delivered.
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
	var cb *callbacks
	cc, ok := c.(CallbackClient)
	if rn.cfg.Callback && !ok {
		return Result{}, fmt.Errorf("bench: %s has no callback form", rn.cfg.ClientName)
	}

	ws := make([]Watch, n)
	sent, got := make([]time.Duration, n), make([]time.Time, n)
	if rn.cfg.Callback {
		cb = newCallbacks(got)
	}
	r := Result{Watches: n}
	heap0, rss0 := liveHeap(), liveRSS()
	perWatch := func(heap, rss uint64) (float64, float64) {
		return (float64(heap) - float64(heap0)) / float64(n), (float64(rss) - float64(rss0)) / float64(n)
	}
	t0 := time.Now()
	if cb != nil {
		rn.phase.Store("registering")
		err = rn.parallel(n, rn.conc, func(i int) error { return cc.GetWFunc(rn.ctx, paths[i], cb.fn(i)) })
	} else {
		err = rn.register(c, paths, ws)
	}
	if err != nil {
		return r, fmt.Errorf("bench: registering watches: %w", err)
	}
	r.RegisterS = time.Since(t0).Seconds()
	r.HeapPerWatch, r.RSSPerWatch = perWatch(liveHeap(), liveRSS())

	ctx, cancel := context.WithTimeout(rn.ctx, 5*time.Minute)
	defer cancel()
	var wait func() int
	if cb != nil {
		wait = func() int { return cb.wait(ctx) }
	} else {
		wait = waiters(ctx, ws, got)
	}
	defer func() { cancel(); wait() }() // on every return, no waiter is left behind
	// Delivery included: the callbacks were set with the watches; the
	// channel form's reader goroutines have all started.
	r.HeapPerWatchDelivery, r.RSSPerWatchDelivery = perWatch(liveHeap(), liveRSS())

	rn.phase.Store("firing")
	var (
		m      meter
		setErr error
	)
	if rn.cfg.Setter != nil {
		var at []time.Time
		at, setErr = rn.cfg.Setter(rn.ctx, paths, rn.conc, func() { m = rn.startMeter() })
		for i := range at {
			sent[i] = at[i].Sub(m.start)
		}
		r.SetterApart = true
	} else {
		m = rn.startMeter()
		val := []byte("changed")
		setErr = rn.parallel(n, rn.conc, func(i int) error {
			sent[i] = time.Since(m.start)
			return helper.Set(rn.ctx, paths[i], val)
		})
	}
	if setErr != nil {
		cancel() // some events will never come
	}
	fired := wait()
	r.Ops = int64(fired)
	r.Errors = int64(n - fired)
	m.stop(&r)
	lat, last := notifyLatencies(m.start, sent, got)
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
	// The client's state changes, for the time to detect the cut and the
	// re-registration time, when its adapter reports them.
	var states *stateTimes
	if sr, ok := c.(StateReporter); ok {
		states = watchStates(ctx, sr)
	}
	rn.phase.Store("cut")
	m := rn.startMeter()
	base := m.start
	proxy.SetRefuse(true)
	cutAt := time.Now()
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
	restoredAt := time.Now()
	r.RestoredS = restoredAt.Sub(base).Seconds()
	if states != nil {
		lost, back, err := states.wait(ctx)
		if err != nil {
			return r, fmt.Errorf("bench: the client's state changes: %w", err)
		}
		r.DetectS = lost.Sub(cutAt).Seconds()
		r.RewatchS = restoredAt.Sub(back).Seconds()
	}
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

// stateTimes is when a client first reported its connection lost, and
// then connected again.
type stateTimes struct {
	lost, back time.Time
	done       chan struct{}
}

// watchStates records the first loss and the first reconnection after it
// from sr's state changes, until ctx ends.
func watchStates(ctx context.Context, sr StateReporter) *stateTimes {
	st := &stateTimes{done: make(chan struct{})}
	ch := sr.States(ctx)
	go func() {
		defer close(st.done)
		for sc := range ch {
			switch {
			case !sc.Connected && st.lost.IsZero():
				st.lost = sc.At
			case sc.Connected && !st.lost.IsZero():
				st.back = sc.At
				return
			}
		}
	}()
	return st
}

// wait returns the times once both were seen.
func (st *stateTimes) wait(ctx context.Context) (lost, back time.Time, err error) {
	select {
	case <-st.done:
	case <-ctx.Done():
		return lost, back, ctx.Err()
	}
	if st.back.IsZero() {
		return lost, back, fmt.Errorf("state changes ended without a reconnection (lost at %v)", st.lost)
	}
	return st.lost, st.back, nil
}

// waitWatches polls wchs every 5 ms until ok accepts the total.
func waitWatches(ctx context.Context, addr string, ok func(int) bool) error {
	for {
		w, err := watchCount(ctx, addr)
		if err == nil && ok(w) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last total %d, err %v)", ctx.Err(), w, err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}
