package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/zkwire/zk/bench"
)

// figure is one row of the comparison: how to read it from a result, and
// the target for it, if any.
type figure struct {
	name   string
	get    func(bench.Result) float64
	target string                      // "" when there is none
	met    func(zk, peer float64) bool // nil when there is none
}

func ratioAtLeast(x float64) func(zk, peer float64) bool {
	return func(zk, peer float64) bool { return peer > 0 && zk/peer >= x }
}

func ratioAtMost(x float64) func(zk, peer float64) bool {
	return func(zk, peer float64) bool { return peer > 0 && zk/peer <= x }
}

func atMost(x float64) func(zk, peer float64) bool {
	return func(zk, _ float64) bool { return zk <= x }
}

var (
	opsPerS   = figure{name: "ops/s", get: func(r bench.Result) float64 { return r.OpsPerS }}
	p50       = figure{name: "p50 µs", get: func(r bench.Result) float64 { return r.P50us }}
	p99       = figure{name: "p99 µs", get: func(r bench.Result) float64 { return r.P99us }}
	cpuPerOp  = figure{name: "CPU/op µs", get: func(r bench.Result) float64 { return r.CPUPerOpUs }}
	allocs    = figure{name: "allocs/op", get: func(r bench.Result) float64 { return r.AllocsPerOp }}
	rss       = figure{name: "max RSS MB", get: func(r bench.Result) float64 { return r.MaxRSSMB }}
	register  = figure{name: "register s", get: func(r bench.Result) float64 { return r.RegisterS }}
	deliver   = figure{name: "fire+deliver s", get: func(r bench.Result) float64 { return r.DeliverS }}
	heap      = figure{name: "heap B/watch", get: func(r bench.Result) float64 { return r.HeapPerWatch }}
	restored  = figure{name: "cut→watches back s", get: func(r bench.Result) float64 { return r.RestoredS }}
	recovered = figure{name: "cut→back+events s", get: func(r bench.Result) float64 { return r.RecoverS }}
)

func with(f figure, target string, met func(zk, peer float64) bool) figure {
	f.target, f.met = target, met
	return f
}

// figures lists the rows of one plan item, with the targets.
func figures(it item) []figure {
	switch it.workload {
	case "get-par":
		return []figure{with(opsPerS, "≥1.5x", ratioAtLeast(1.5)), p50, p99, with(cpuPerOp, "≤0.3x", ratioAtMost(0.3)), with(allocs, "≤3 (zk)", atMost(3)), rss}
	case "get-seq":
		return []figure{opsPerS, with(p50, "≤0.9x", ratioAtMost(0.9)), p99, with(cpuPerOp, "≤0.3x", ratioAtMost(0.3)), allocs, rss}
	case "set-par":
		return []figure{with(opsPerS, "≥1.3x", ratioAtLeast(1.3)), p50, p99, cpuPerOp, allocs, rss}
	case "create-del":
		return []figure{with(opsPerS, "≥1.2x", ratioAtLeast(1.2)), p50, p99, cpuPerOp, allocs, rss}
	case "multi":
		return []figure{with(opsPerS, "≥1.3x", ratioAtLeast(1.3)), p50, p99, cpuPerOp, allocs, rss}
	case "watch-fire":
		d := deliver
		if it.watches == 100000 {
			d = with(deliver, "≤0.7x", ratioAtMost(0.7))
		}
		n := p50
		n.name = "notify p50 µs"
		m := p99
		m.name = "notify p99 µs"
		return []figure{register, d, with(heap, "≤120 (zk)", atMost(120)), n, m, cpuPerOp, allocs, rss}
	case "watch-reconnect":
		rec := recovered
		if it.watches == 10000 {
			rec = with(recovered, "≤0.6x", ratioAtMost(0.6))
		}
		return []figure{register, restored, rec, rss}
	}
	return []figure{opsPerS, p50, p99, cpuPerOp, allocs, rss}
}

// stats returns the median, min and max of f over rs.
func stats(rs []bench.Result, f figure) (med, lo, hi float64) {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f.get(r)
	}
	slices.Sort(v)
	if len(v) == 0 {
		return 0, 0, 0
	}
	med = v[len(v)/2]
	if len(v)%2 == 0 {
		med = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return med, v[0], v[len(v)-1]
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

func writeTable(w io.Writer, plan []item, results map[item]map[string][]bench.Result) {
	fmt.Fprintln(w, "| workload | figure | zk median (min–max) | go-zk median (min–max) | zk/go-zk | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, it := range plan {
		for _, f := range figures(it) {
			zm, zlo, zhi := stats(results[it]["zk"], f)
			pm, plo, phi := stats(results[it]["go-zk"], f)
			ratio := "–"
			if pm != 0 {
				ratio = fmt.Sprintf("%.2fx", zm/pm)
			}
			target := f.target
			if f.met != nil {
				if f.met(zm, pm) {
					target += " ✓"
				} else {
					target += " ✗"
				}
			}
			fmt.Fprintf(w, "| %s | %s | %s (%s–%s) | %s (%s–%s) | %s | %s |\n",
				it, f.name, num(zm), num(zlo), num(zhi), num(pm), num(plo), num(phi), ratio, target)
		}
	}
}
