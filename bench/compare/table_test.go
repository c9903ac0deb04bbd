package main

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/zkwire/zk/bench"
)

func ops(v ...float64) []bench.Result {
	rs := make([]bench.Result, len(v))
	for i, x := range v {
		rs[i].OpsPerS = x
	}
	return rs
}

// TestPairedRatios checks that ratios are taken within each adjacent pair,
// not between medians: here the medians are equal (ratio of medians 1.0)
// while every pair has zk ahead or behind by its own factor.
func TestPairedRatios(t *testing.T) {
	zk := ops(100, 200, 300, 400, 500)
	gozk := ops(200, 100, 300, 500, 400)
	got := pairedRatios(opsPerS, zk, gozk)
	want := []float64{0.5, 2, 1, 0.8, 1.25}
	if !slices.Equal(got, want) {
		t.Fatalf("pairedRatios = %v, want %v", got, want)
	}
	s := summarize(got)
	if s.med != 1 || s.lo != 0.5 || s.hi != 2 || s.n != 5 {
		t.Fatalf("summarize = %+v, want median 1, range 0.5–2 of 5", s)
	}
	// A pair whose go-zk figure is zero has no ratio; an unpaired trailing
	// trial is left out.
	got = pairedRatios(opsPerS, ops(10, 20, 30), ops(5, 0))
	if !slices.Equal(got, []float64{2}) {
		t.Fatalf("with a zero and an unpaired trial: %v, want [2]", got)
	}
}

func TestSummarizeEven(t *testing.T) {
	in := []float64{4, 1, 3, 2}
	s := summarize(in)
	if s.med != 2.5 || s.lo != 1 || s.hi != 4 {
		t.Fatalf("summarize = %+v, want 2.5 (1–4)", s)
	}
	if !slices.Equal(in, []float64{4, 1, 3, 2}) {
		t.Fatalf("summarize reordered its input: %v", in)
	}
	if s := summarize(nil); s.n != 0 {
		t.Fatalf("summarize(nil) = %+v", s)
	}
}

// TestCPUBound checks the formula (c_gozk+s)/(c_zk+s) with s the mean of
// the pair's server CPU per op.
func TestCPUBound(t *testing.T) {
	// c_zk 10, c_gozk 30, s = (50+70)/2 = 60: (30+60)/(10+60) = 90/70.
	got, ok := cpuBound(10, 30, 50, 70)
	if !ok || math.Abs(got-90.0/70) > 1e-12 {
		t.Fatalf("cpuBound = %v, %v; want %v", got, ok, 90.0/70)
	}
	// A client that costs nothing: the ceiling (30+60)/60.
	if got, _ := cpuBound(0, 30, 60, 60); got != 1.5 {
		t.Fatalf("ceiling = %v, want 1.5", got)
	}
	if _, ok := cpuBound(10, 30, 0, 0); ok {
		t.Fatal("no server CPU measured, yet a bound")
	}
	// Through the table's row, per pair.
	z := []bench.Result{{CPUPerOpUs: 10, ServerCPUPerOpUs: 50}, {CPUPerOpUs: 20, ServerCPUPerOpUs: 40}}
	g := []bench.Result{{CPUPerOpUs: 30, ServerCPUPerOpUs: 70}, {CPUPerOpUs: 20, ServerCPUPerOpUs: 40}}
	r := pairedRatios(boundRow, z, g)
	if len(r) != 2 || math.Abs(r[0]-90.0/70) > 1e-12 || r[1] != 1 {
		t.Fatalf("bound row = %v, want [%v 1]", r, 90.0/70)
	}
	c := pairedRatios(ceilingRow, z, g)
	if len(c) != 2 || c[0] != 1.5 || c[1] != 1.5 {
		t.Fatalf("ceiling row = %v, want [1.5 1.5]", c)
	}
}

func TestVerdict(t *testing.T) {
	ge := atLeast(1.3)
	for _, c := range []struct {
		v    []float64
		want string
	}{
		{[]float64{1.4, 1.5, 1.3}, "✓"},
		{[]float64{1.0, 1.2}, "✗"},
		{[]float64{0.9, 1.4}, "~"},
		{nil, "?"},
	} {
		if got := verdict(c.v, ge); got != c.want {
			t.Errorf("verdict(%v) = %s, want %s", c.v, got, c.want)
		}
	}
}

// TestPairOrder checks that the two clients alternate who goes first and
// that every pair has both.
func TestPairOrder(t *testing.T) {
	if got := pairOrder(clients, 0); !slices.Equal(got, []string{"zk", "go-zk"}) {
		t.Fatalf("pair 0: %v", got)
	}
	if got := pairOrder(clients, 1); !slices.Equal(got, []string{"go-zk", "zk"}) {
		t.Fatalf("pair 1: %v", got)
	}
	if got := pairOrder(clients, 2); !slices.Equal(got, []string{"zk", "go-zk"}) {
		t.Fatalf("pair 2: %v", got)
	}
	// With the callback form, three clients rotate: each goes first once
	// in three pairs.
	three := clientsFor(item{"watch-fire", 1000}, true)
	first := map[string]bool{}
	for p := range 3 {
		got := pairOrder(three, p)
		if len(got) != 3 {
			t.Fatalf("pair %d: %v", p, got)
		}
		first[got[0]] = true
	}
	if len(first) != 3 {
		t.Fatalf("three clients: not each first once: %v", first)
	}
	if got := clientsFor(item{"get-par", 0}, true); !slices.Equal(got, clients) {
		t.Fatalf("get-par has the callback form: %v", got)
	}
}

// TestTableRow checks one printed row: client medians and ranges, and the
// paired ratio with its range and verdict.
func TestTableRow(t *testing.T) {
	it := item{workload: "set-par"}
	res := map[item]map[string][]bench.Result{it: {
		"zk":    ops(100, 200, 300),
		"go-zk": ops(50, 400, 200),
	}}
	var b strings.Builder
	writeTable(&b, []item{it}, res, false)
	want := "| set-par | ops/s | 200 (100–300) | 200 (50.0–400) | 1.5x (0.5–2) | ≥1x ~ |"
	if !strings.Contains(b.String(), want) {
		t.Fatalf("table lacks %q:\n%s", want, b.String())
	}
	if !strings.Contains(b.String(), "| bound (c_gozk+s)/(c_zk+s) |") {
		t.Fatalf("shared cores: no bound row:\n%s", b.String())
	}
	// Pinned, client and server do not share cores: no bound rows.
	b.Reset()
	writeTable(&b, []item{it}, res, true)
	if strings.Contains(b.String(), "bound") || strings.Contains(b.String(), "ceiling") {
		t.Fatalf("pinned: bound rows printed:\n%s", b.String())
	}
}

// TestServerBusy checks the cores-busy figure: 50 µs of server CPU per op
// at 16,000 ops/s is 0.8 of a core.
func TestServerBusy(t *testing.T) {
	r := bench.Result{ServerCPUPerOpUs: 50, OpsPerS: 16000}
	if got := serverBusy.get(r); math.Abs(got-0.8) > 1e-12 {
		t.Fatalf("server cores busy = %v, want 0.8", got)
	}
}

// full is a result with every figure set, so that no row is empty.
func full(client, workload string, watches int) bench.Result {
	return bench.Result{
		Client: client, Workload: workload, Watches: watches, Ops: 1000, Seconds: 2, OpsPerS: 500,
		P50us: 100, P90us: 200, P99us: 300, P999us: 400, CPUPerOpUs: 20, AllocsPerOp: 1.5,
		CtxSwitchesPerOp: 2, ReadsPerOp: 0.1, WritesPerOp: 0.1, ServerCPUPerOpUs: 50, MaxRSSMB: 30,
		RegisterS: 1, DeliverS: 2, HeapPerWatch: 100, RSSPerWatch: 200,
		HeapPerWatchDelivery: 300, RSSPerWatchDelivery: 400,
		RestoredS: 0.6, RecoverS: 0.7, DetectS: 0.001, RewatchS: 0.2,
	}
}

// defaultPlan is the plan of a full run: every workload, the default
// watch and node counts.
func defaultPlan(t *testing.T) []item {
	var names []string
	for _, w := range bench.Workloads {
		names = append(names, w.Name)
	}
	plan, err := makePlan(names, map[string][]int{"watch-fire": {10000, 100000}, "watch-reconnect": {10000, 100000}, treeBoot: {10000}})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestTableHasIssueFigures checks that a full run's table has every
// figure issue [3/5] names, each with its target where the issue sets
// one, and a value in every cell.
func TestTableHasIssueFigures(t *testing.T) {
	plan := defaultPlan(t)
	res := map[item]map[string][]bench.Result{}
	for _, it := range plan {
		res[it] = map[string][]bench.Result{}
		for _, c := range clientsFor(it, true) {
			for range 3 {
				res[it][c] = append(res[it][c], full(c, it.workload, it.watches))
			}
		}
	}
	var b strings.Builder
	writeTable(&b, plan, res, false)
	table := b.String()
	rows := map[string]string{} // "workload | figure" → the rest of the row
	for _, line := range strings.Split(table, "\n") {
		f := strings.Split(line, " | ")
		if len(f) == 6 {
			rows[strings.TrimPrefix(f[0], "| ")+" | "+f[1]] = strings.Join(f[2:], " | ")
		}
	}
	want := map[string]string{} // row → the target it must show ("" none)
	for _, w := range []string{"get-seq", "get-par", "set-par", "create-del", "multi"} {
		for _, fig := range []string{"ops/s", "p50 µs", "p99 µs", "client CPU/op µs", "socket reads/op", "socket writes/op",
			"socket calls/op (reads+writes)", "ctx switches/op", "server CPU/op µs", "bound (c_gozk+s)/(c_zk+s)", "allocs/op"} {
			want[w+" | "+fig] = ""
		}
		want[w+" | p99 µs"] = "≤1x"
		want[w+" | ops/s"] = "≥1x"
	}
	want["get-par | ops/s"] = "≥1.2x"
	want["get-par | client CPU/op µs"] = "≤0.5x"
	want["set-par | client CPU/op µs"] = "≤0.5x"
	want["get-seq | client CPU/op µs"] = "≤0.7x"
	for _, w := range []string{"get-par", "set-par", "multi"} {
		want[w+" | socket calls/op (reads+writes)"] = "≤0.25 (zk)"
	}
	want["get-seq | allocs/op"] = "≤2 (zk, Get)"
	want["get-par | allocs/op"] = "≤2 (zk, Get)"
	want["set-par | allocs/op"] = "≤1 (zk, Set)"
	want["create-del | allocs/op"] = "≤2 (zk, Create+Delete)"
	for _, n := range []string{"10k", "100k"} {
		w := "watch-fire " + n
		want[w+" | heap B/watch (registered, not read)"] = "≤120 (zk)"
		want[w+" | RSS B/watch (registered, not read)"] = ""
		want[w+" | heap B/watch, delivery included (a reader goroutine per watch)"] = ""
		want[w+" | RSS B/watch, delivery included (a reader goroutine per watch)"] = ""
		want[w+" | heap B/watch, delivery included (zk: callback form; go-zk: a reader goroutine per watch)"] = "<1x"
		want[w+" | RSS B/watch, delivery included (zk: callback form; go-zk: a reader goroutine per watch)"] = "<1x"
		want[w+" | client CPU/event µs, zk's callback form"] = ""
		want[w+" | notify p99 µs, zk's callback form"] = ""
		want[w+" | fire+deliver s"] = "≤1x"
		want[w+" | client CPU/event µs"] = ""
		want[w+" | notify p99 µs"] = ""
		w = "watch-reconnect " + n
		want[w+" | cut→all restored s"] = ""
		want[w+" | cut→client reports it ms (detect)"] = ""
		want[w+" | connected→watches back s (rewatch)"] = ""
	}
	want["watch-fire 100k | client CPU/event µs"] = "≤0.6x"
	want["watch-fire 100k | notify p99 µs"] = "≤1x"
	want["watch-reconnect 100k | connected→watches back s (rewatch)"] = "≤0.5x"
	if _, err := bench.Lookup(treeBoot); err == nil {
		want["tree-boot 10k | bootstrap ms (p50 of the loads)"] = "≤1x"
		want["tree-boot 10k | client CPU/bootstrap ms"] = "≤0.5x"
	}
	for row, target := range want {
		rest, ok := rows[row]
		if !ok {
			t.Errorf("no row %q", row)
			continue
		}
		cells := strings.Split(rest, " | ")
		got := strings.TrimSpace(strings.TrimSuffix(cells[len(cells)-1], " |"))
		if target == "" && got != "" || target != "" && !strings.HasPrefix(got, target+" ") {
			t.Errorf("row %q: target %q, want %q", row, got, target)
		}
		for i, c := range cells[:3] {
			if strings.HasPrefix(c, "–") && !strings.Contains(row, "bound") {
				t.Errorf("row %q: cell %d empty: %q", row, i, rest)
			}
		}
	}
	if t.Failed() {
		t.Log(table)
	}
}

// TestCallbackRowsNotRun checks that without zk's callback form the rows
// say so instead of judging nothing.
func TestCallbackRowsNotRun(t *testing.T) {
	it := item{"watch-fire", 100000}
	res := map[item]map[string][]bench.Result{it: {
		"zk":    {full("zk", it.workload, it.watches)},
		"go-zk": {full("go-zk", it.workload, it.watches)},
	}}
	var b strings.Builder
	writeTable(&b, []item{it}, res, false)
	want := "| watch-fire 100k | heap B/watch, delivery included (zk: callback form; go-zk: a reader goroutine per watch) | – | 300 (300–300) | – | <1x not run |"
	if !strings.Contains(b.String(), want) {
		t.Fatalf("table lacks %q:\n%s", want, b.String())
	}
}

// TestTreeBootRows checks the TreeCache bootstrap rows and their targets,
// whether or not the workload is in this build yet.
func TestTreeBootRows(t *testing.T) {
	it := item{treeBoot, 10000}
	z, g := full("zk", treeBoot, 10000), full("go-zk", treeBoot, 10000)
	z.P50us, z.CPUPerOpUs = 400e3, 100e3 // 400 ms and 100 ms of CPU per load
	g.P50us, g.CPUPerOpUs = 500e3, 250e3
	res := map[item]map[string][]bench.Result{it: {"zk": {z}, "go-zk": {g}}}
	var b strings.Builder
	writeTable(&b, []item{it}, res, false)
	for _, want := range []string{
		"| tree-boot 10k | bootstrap ms (p50 of the loads) | 400 (400–400) | 500 (500–500) | 0.8x (0.8–0.8) | ≤1x ✓ |",
		"| tree-boot 10k | client CPU/bootstrap ms | 100 (100–100) | 250 (250–250) | 0.4x (0.4–0.4) | ≤0.5x ✓ |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
