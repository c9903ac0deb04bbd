package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Run runs one workload and returns its figures. It prepares the nodes it
// needs under cfg.Root (once: later runs reuse them), opens its own
// sessions and closes them before returning. ctx bounds the whole run.
func Run(ctx context.Context, cfg Config, name string) (Result, error) {
	w, err := Lookup(name)
	if err != nil {
		return Result{}, err
	}
	cfg, err = cfg.normalize()
	if err != nil {
		return Result{}, err
	}
	rn := &runner{cfg: cfg, w: w, conc: w.Concurrency, size: w.Size}
	if cfg.Concurrency > 0 {
		rn.conc = cfg.Concurrency
	}
	if cfg.Size > 0 {
		rn.size = cfg.Size
	}
	rn.ctx = ctx
	stop := rn.startProgress()
	r, err := w.run(rn)
	stop()
	r.Client, r.Workload = cfg.ClientName, name
	return r, err
}

// runner is one workload run.
type runner struct {
	ctx  context.Context
	cfg  Config
	w    Workload
	conc int
	size int

	phase atomic.Value // string: what the progress line says
	done  atomic.Int64 // operations completed, for the progress line
}

// startProgress prints a progress line every second until the returned
// function is called.
func (rn *runner) startProgress() func() {
	out := rn.cfg.Progress
	if out == nil {
		return func() {}
	}
	rn.phase.Store("setup")
	quit, finished := make(chan struct{}), make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprintf(out, "\r%-70s\r", "")
				return
			case <-t.C:
				fmt.Fprintf(out, "\r%s %s: %s %5.1fs %d ops   ", rn.cfg.ClientName, rn.w.Name, rn.phase.Load(), time.Since(start).Seconds(), rn.done.Load())
			}
		}
	}()
	return func() { close(quit); <-finished }
}

func (rn *runner) dial(d Dialer, servers []string) (Client, error) {
	ctx, cancel := context.WithTimeout(rn.ctx, 30*time.Second)
	defer cancel()
	return d(ctx, servers)
}

// drive runs op on rn.conc workers until the duration or the op budget is
// spent, timing each call. It allocates nothing per operation itself
// (latencies go into preallocated slices), so allocation figures are the
// client's.
func (rn *runner) drive(op func(worker int) error) Result {
	cfg := rn.cfg
	var (
		claimed atomic.Int64
		errs    atomic.Int64
		wg      sync.WaitGroup
	)
	lats := make([][]time.Duration, rn.conc)
	for i := range lats {
		lats[i] = make([]time.Duration, 0, 1<<15)
	}
	rn.phase.Store("running")
	m := rn.startMeter()
	deadline := m.start.Add(cfg.Duration)
	for w := 0; w < rn.conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := lats[w]
			for {
				if cfg.Ops > 0 && claimed.Add(1) > cfg.Ops {
					break
				}
				t0 := time.Now()
				if cfg.Duration > 0 && t0.After(deadline) || rn.ctx.Err() != nil {
					break
				}
				if err := op(w); err != nil {
					errs.Add(1)
					continue
				}
				lat = append(lat, time.Since(t0))
				rn.done.Add(1)
			}
			lats[w] = lat
		}()
	}
	wg.Wait()
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	r := Result{Ops: int64(len(all)), Errors: errs.Load()}
	m.stop(&r)
	r.setLatencies(all)
	return r
}

// parallel runs f(i) for i in [0, n) on conc workers and returns the
// first error (the rest still run).
func (rn *runner) parallel(n, conc int, f func(i int) error) error {
	var (
		next  atomic.Int64
		first error
		mu    sync.Mutex
		wg    sync.WaitGroup
	)
	for w := 0; w < min(conc, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || rn.ctx.Err() != nil {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
				rn.done.Add(1)
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = rn.ctx.Err()
	}
	return first
}

// ensure creates the nodes (parents first, data for the last one) unless
// they exist, and checks the last one is readable. Existing nodes are
// left as they are: Set the data if it matters.
func (rn *runner) ensure(c Client, data []byte, paths ...string) error {
	for _, p := range paths {
		_ = c.Create(rn.ctx, p, data) // an error is most often "exists"; checked below
	}
	if _, err := c.Get(rn.ctx, paths[len(paths)-1]); err != nil {
		return fmt.Errorf("bench: preparing %s: %w", paths[len(paths)-1], err)
	}
	return nil
}

func (rn *runner) value() []byte {
	b := make([]byte, rn.size)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}
