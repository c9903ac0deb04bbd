package main

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/zkwire/zk/bench"
)

// figure is one row of the comparison: how to read it from a result, how
// to turn a pair of adjacent trials into the ratio column, and the issue's
// target for it, if any.
type figure struct {
	name string
	// get reads the figure from one trial; nil for a row that is only a
	// paired ratio (the bound rows).
	get func(bench.Result) float64
	// pair is the ratio column of one pair of trials; nil: zk/go-zk of get.
	pair func(zk, gozk bench.Result) (float64, bool)
	// target is "" when there is none; met says whether one pair's ratio
	// (or for an absolute target, one zk trial's figure) meets it.
	target   string
	met      func(v float64) bool
	absolute bool // met applies to zk's own figure, not the ratio
	// zk is the client whose trials stand for zk in this row: "" for
	// "zk", zkCallback for the callback form's rows.
	zk string
}

func atLeast(x float64) func(float64) bool { return func(v float64) bool { return v >= x } }
func atMost(x float64) func(float64) bool  { return func(v float64) bool { return v <= x } }

var (
	opsPerS   = figure{name: "ops/s", get: func(r bench.Result) float64 { return r.OpsPerS }}
	p50       = figure{name: "p50 µs", get: func(r bench.Result) float64 { return r.P50us }}
	p99       = figure{name: "p99 µs", get: func(r bench.Result) float64 { return r.P99us }}
	cpuPerOp  = figure{name: "client CPU/op µs", get: func(r bench.Result) float64 { return r.CPUPerOpUs }}
	reads     = figure{name: "socket reads/op", get: func(r bench.Result) float64 { return r.ReadsPerOp }}
	writes    = figure{name: "socket writes/op", get: func(r bench.Result) float64 { return r.WritesPerOp }}
	switches  = figure{name: "ctx switches/op", get: func(r bench.Result) float64 { return r.CtxSwitchesPerOp }}
	serverCPU = figure{name: "server CPU/op µs", get: func(r bench.Result) float64 { return r.ServerCPUPerOpUs }}
	// serverBusy is how many cores the server kept busy: its CPU per op
	// times ops/s. Near 1 with the server pinned to one core, the server
	// is the limit, whatever the client does.
	serverBusy = figure{name: "server cores busy", get: func(r bench.Result) float64 { return r.ServerCPUPerOpUs * r.OpsPerS / 1e6 }}
	allocs     = figure{name: "allocs/op", get: func(r bench.Result) float64 { return r.AllocsPerOp }}
	rss        = figure{name: "max RSS MB", get: func(r bench.Result) float64 { return r.MaxRSSMB }}
	register   = figure{name: "register s", get: func(r bench.Result) float64 { return r.RegisterS }}
	deliver    = figure{name: "fire+deliver s", get: func(r bench.Result) float64 { return r.DeliverS }}
	heap       = figure{name: "heap B/watch", get: func(r bench.Result) float64 { return r.HeapPerWatch }}
	restored   = figure{name: "cut→watches back s", get: func(r bench.Result) float64 { return r.RestoredS }}
	recovered  = figure{name: "cut→back+events s", get: func(r bench.Result) float64 { return r.RecoverS }}

	// boundRow is the ops/s ratio zk/go-zk that the CPU the two clients
	// and the server spend per op allows when they share the cores.
	boundRow = figure{name: "bound (c_gozk+s)/(c_zk+s)", pair: func(z, g bench.Result) (float64, bool) {
		return cpuBound(z.CPUPerOpUs, g.CPUPerOpUs, z.ServerCPUPerOpUs, g.ServerCPUPerOpUs)
	}}
	// ceilingRow is the same bound for a client that costs no CPU at all.
	ceilingRow = figure{name: "ceiling (c_gozk+s)/s", pair: func(z, g bench.Result) (float64, bool) {
		return cpuBound(0, g.CPUPerOpUs, z.ServerCPUPerOpUs, g.ServerCPUPerOpUs)
	}}
)

// cpuBound is the throughput ratio zk/go-zk that the CPU per op allows
// when client and server share the cores: each op costs its client c and
// the server s, so ops/s ≤ cores/(c+s), and the ratio of the two limits
// is (c_gozk+s)/(c_zk+s). s is the mean of the two trials' server CPU per
// op (the server's cost of an op, measured once with each client). false
// when the server CPU was not measured.
func cpuBound(cZK, cGoZK, sZK, sGoZK float64) (float64, bool) {
	s := (sZK + sGoZK) / 2
	if s <= 0 || cZK < 0 || cGoZK < 0 {
		return 0, false
	}
	return (cGoZK + s) / (cZK + s), true
}

func with(f figure, target string, met func(float64) bool) figure {
	f.target, f.met = target, met
	return f
}

func absolute(f figure, target string, met func(float64) bool) figure {
	f = with(f, target, met)
	f.absolute = true
	return f
}

// sockets is the client's socket calls per op, reads plus writes.
var sockets = figure{name: "socket calls/op (reads+writes)", get: func(r bench.Result) float64 { return r.ReadsPerOp + r.WritesPerOp }}

// The watch rows.
var (
	rssWatch     = figure{name: "RSS B/watch", get: func(r bench.Result) float64 { return r.RSSPerWatch }}
	heapDelivery = figure{name: "heap B/watch, delivery included (a reader goroutine per watch)", get: func(r bench.Result) float64 { return r.HeapPerWatchDelivery }}
	rssDelivery  = figure{name: "RSS B/watch, delivery included (a reader goroutine per watch)", get: func(r bench.Result) float64 { return r.RSSPerWatchDelivery }}
	watchCPU     = figure{name: "client CPU/event µs", get: func(r bench.Result) float64 { return r.CPUPerOpUs }}
	notifyP50    = figure{name: "notify p50 µs", get: func(r bench.Result) float64 { return r.P50us }}
	notifyP99    = figure{name: "notify p99 µs", get: func(r bench.Result) float64 { return r.P99us }}
	detect       = figure{name: "cut→client reports it ms (detect)", get: func(r bench.Result) float64 { return r.DetectS * 1000 }}
	rewatch      = figure{name: "connected→watches back s (rewatch)", get: func(r bench.Result) float64 { return r.RewatchS }}
	bootstrap    = figure{name: "bootstrap ms (p50 of the loads)", get: func(r bench.Result) float64 { return r.P50us / 1000 }}
	cpuPerLoad   = figure{name: "client CPU/bootstrap ms", get: func(r bench.Result) float64 { return r.CPUPerOpUs / 1000 }}
)

// callback is f for zk's callback form (zk.OnEvent), against go-zk with
// a reader goroutine per watch.
func callback(f figure) figure {
	const reader = "(a reader goroutine per watch)"
	if strings.Contains(f.name, reader) {
		f.name = strings.Replace(f.name, reader, "(zk: callback form; go-zk: a reader goroutine per watch)", 1)
	} else {
		f.name += ", zk's callback form"
	}
	f.zk = zkCallback
	return f
}

// opTargets are [3/5]'s targets per operation workload, zk against go-zk.
type opTargets struct {
	ops       float64 // ops/s ratio at least
	cpu       float64 // client CPU/op ratio at most; 0: none
	sockets   float64 // zk's socket calls per op at most; 0: none
	allocs    float64 // zk's allocations per op at most; 0: none
	allocsWhy string  // what the allocation target is made of
}

var targets = map[string]opTargets{
	// Throughput never below go-zk's, get-par ≥1.2x; client CPU ≤0.7x
	// sequential, ≤0.5x at 64 in flight; ≤0.25 socket calls per op at 64
	// in flight; allocations: Get ≤2, Set, Create, Delete ≤1.
	"get-seq":    {ops: 1, cpu: 0.7, allocs: 2, allocsWhy: "Get"},
	"get-par":    {ops: 1.2, cpu: 0.5, sockets: 0.25, allocs: 2, allocsWhy: "Get"},
	"set-par":    {ops: 1, cpu: 0.5, sockets: 0.25, allocs: 1, allocsWhy: "Set"},
	"create-del": {ops: 1, allocs: 2, allocsWhy: "Create+Delete"},
	"multi":      {ops: 1, sockets: 0.25},
}

func ratio(x float64) string { return fmt.Sprintf("%gx", x) }

// figures lists the rows of one plan item, with the targets. The
// bound rows assume client and server share the cores: not when pinned.
func figures(it item, pinned bool) []figure {
	bounds := []figure{serverBusy, boundRow, ceilingRow}
	if pinned {
		bounds = []figure{serverBusy}
	}
	if tg, ok := targets[it.workload]; ok {
		rows := []figure{with(opsPerS, "≥"+ratio(tg.ops), atLeast(tg.ops)), p50, with(p99, "≤1x", atMost(1))}
		c := cpuPerOp
		if tg.cpu > 0 {
			c = with(c, "≤"+ratio(tg.cpu), atMost(tg.cpu))
		}
		s := sockets
		if tg.sockets > 0 {
			s = absolute(s, fmt.Sprintf("≤%g (zk)", tg.sockets), atMost(tg.sockets))
		}
		a := allocs
		if tg.allocs > 0 {
			a = absolute(a, fmt.Sprintf("≤%g (zk, %s)", tg.allocs, tg.allocsWhy), atMost(tg.allocs))
		}
		return slices.Concat(rows, []figure{c, reads, writes, s, switches, serverCPU}, bounds, []figure{a, rss})
	}
	switch {
	case it.workload == "watch-fire":
		// The targets are judged at 100k watches, as the issue measures.
		at100k := it.watches >= 100000
		var (
			heapT         = absolute(heap, "≤120 (zk)", atMost(120))
			d             = with(deliver, "≤1x", atMost(1))
			cpu, n99      = watchCPU, notifyP99
			cbHeap, cbRSS = callback(heapDelivery), callback(rssDelivery)
		)
		heapT.name = "heap B/watch (registered, not read)"
		r := rssWatch
		r.name = "RSS B/watch (registered, not read)"
		cbHeap = with(cbHeap, "<1x", func(v float64) bool { return v < 1 })
		cbRSS = with(cbRSS, "<1x", func(v float64) bool { return v < 1 })
		if at100k {
			cpu = with(cpu, "≤0.6x", atMost(0.6))
			n99 = with(n99, "≤1x", atMost(1))
		}
		return []figure{register, heapT, r, heapDelivery, rssDelivery, cbHeap, cbRSS,
			d, cpu, notifyP50, n99, callback(watchCPU), callback(notifyP99),
			reads, switches, serverCPU, allocs, rss}
	case it.workload == "watch-reconnect":
		rw := rewatch
		if it.watches >= 100000 {
			rw = with(rw, "≤0.5x", atMost(0.5))
		}
		restoredAll := restored
		restoredAll.name = "cut→all restored s"
		return []figure{register, detect, rw, restoredAll, recovered, rss}
	case it.workload == treeBoot:
		// zk bootstraps a TreeCache (zk.Batch); go-zk reads the same
		// tree from 64 goroutines. One op is one whole load: a 3 s
		// trial holds one or two, so no p99.
		server := figure{name: "server CPU/bootstrap ms", get: func(r bench.Result) float64 { return r.ServerCPUPerOpUs / 1000 }}
		return []figure{with(bootstrap, "≤1x", atMost(1)), with(cpuPerLoad, "≤0.5x", atMost(0.5)),
			reads, writes, switches, server, allocs, rss}
	}
	return slices.Concat([]figure{opsPerS, p50, p99}, []figure{cpuPerOp, reads, writes, switches, serverCPU}, []figure{serverBusy, allocs, rss})
}

// spread is a median and the range around it.
type spread struct {
	med, lo, hi float64
	n           int // how many values; 0: none
}

// summarize returns the median, min and max of v (the mean of the two
// middle values when their number is even).
func summarize(v []float64) spread {
	if len(v) == 0 {
		return spread{}
	}
	v = slices.Clone(v)
	slices.Sort(v)
	med := v[len(v)/2]
	if len(v)%2 == 0 {
		med = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return spread{med: med, lo: v[0], hi: v[len(v)-1], n: len(v)}
}

// pairedRatios returns, for each pair t of adjacent trials, the pair's
// ratio: zk[t]/gozk[t] by default. Pairs without a ratio (go-zk's figure
// is zero, or a bound without server CPU) are left out; so is a trailing
// trial without its partner.
func pairedRatios(f figure, zk, gozk []bench.Result) []float64 {
	var out []float64
	for t := range min(len(zk), len(gozk)) {
		var (
			r  float64
			ok bool
		)
		if f.pair != nil {
			r, ok = f.pair(zk[t], gozk[t])
		} else if g := f.get(gozk[t]); g != 0 {
			r, ok = f.get(zk[t])/g, true
		}
		if ok && !math.IsNaN(r) && !math.IsInf(r, 0) {
			out = append(out, r)
		}
	}
	return out
}

// verdict marks a target: ✓ when every value meets it, ✗ when none does,
// and ~ when the spread straddles it (the values disagree).
func verdict(values []float64, met func(float64) bool) string {
	if len(values) == 0 {
		return "?"
	}
	n := 0
	for _, v := range values {
		if met(v) {
			n++
		}
	}
	switch n {
	case len(values):
		return "✓"
	case 0:
		return "✗"
	}
	return "~"
}

func values(rs []bench.Result, f figure) []float64 {
	if f.get == nil {
		return nil
	}
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f.get(r)
	}
	return v
}

func num(x float64) string {
	switch {
	case x == 0:
		return "0"
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	default:
		return fmt.Sprintf("%.3g", x)
	}
}

func cell(s spread, unit string) string {
	if s.n == 0 {
		return "–"
	}
	return fmt.Sprintf("%s%s (%s–%s)", num(s.med), unit, num(s.lo), num(s.hi))
}

func writeTable(w io.Writer, plan []item, results map[item]map[string][]bench.Result, pinned bool) {
	fmt.Fprintln(w, "| workload | figure | zk median (min–max) | go-zk median (min–max) | zk/go-zk paired: median (min–max) | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, it := range plan {
		gozk := results[it]["go-zk"]
		for _, f := range figures(it, pinned) {
			zk := results[it][cmp.Or(f.zk, "zk")]
			zv := values(zk, f)
			ratios := pairedRatios(f, zk, gozk)
			target := f.target
			switch {
			case len(zk) == 0 && f.zk == zkCallback:
				target = strings.TrimSpace(target + " not run")
			case f.met != nil:
				judged := ratios
				if f.absolute {
					judged = zv
				}
				target += " " + verdict(judged, f.met)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", it, f.name,
				cell(summarize(zv), ""), cell(summarize(values(gozk, f)), ""), cell(summarize(ratios), "x"), target)
		}
	}
}
