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
	if got := pairOrder(0); !slices.Equal(got, []string{"zk", "go-zk"}) {
		t.Fatalf("pair 0: %v", got)
	}
	if got := pairOrder(1); !slices.Equal(got, []string{"go-zk", "zk"}) {
		t.Fatalf("pair 1: %v", got)
	}
	if got := pairOrder(2); !slices.Equal(got, []string{"zk", "go-zk"}) {
		t.Fatalf("pair 2: %v", got)
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
	want := "| set-par | ops/s | 200 (100–300) | 200 (50.0–400) | 1.5x (0.5–2) | ≥1.3x ~ |"
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
