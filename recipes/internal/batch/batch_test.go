package batch

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/zkwire/zk"
)

func TestPlanBoundsCountAndBytes(t *testing.T) {
	big := Size(900<<10, 0, true)
	cases := []struct {
		name  string
		sizes []int
	}{
		{"small", repeat(300, Size(10, 0, true))},
		{"big", repeat(20, big)},
		{"unknown", repeat(40, Size(0, 0, false))},
		{"mixed", append(append(repeat(5, Size(10, 0, true)), repeat(15, big)...), repeat(200, Size(0, 0, true))...)},
		{"huge alone", []int{Size(10, 0, true), MaxBytes * 2, Size(10, 0, true)}},
		{"empty", nil},
	}
	for _, tc := range cases {
		next := 0
		for _, b := range Plan(tc.sizes) {
			if b[0] != next || b[1] <= b[0] {
				t.Fatalf("%s: batch %v after %d", tc.name, b, next)
			}
			next = b[1]
			sum := 0
			for _, s := range tc.sizes[b[0]:b[1]] {
				sum += s
			}
			if b[1]-b[0] > MaxNodes || (sum > MaxBytes && b[1]-b[0] > 1) {
				t.Errorf("%s: batch %v has %d nodes, %d bytes", tc.name, b, b[1]-b[0], sum)
			}
		}
		if next != len(tc.sizes) {
			t.Errorf("%s: planned up to %d of %d", tc.name, next, len(tc.sizes))
		}
	}
}

func repeat(n, s int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestRunSplitsFailingBatches: a batch that fails for its size is split
// until it passes, down to one item; a session error is not split.
func TestRunSplitsFailingBatches(t *testing.T) {
	tooBig := errors.New("reply too large")
	sizes := repeat(100, Size(10, 0, true))
	var reads int
	seen := make([]bool, len(sizes))
	err := Run(context.Background(), sizes, func(lo, hi int) error {
		reads++
		if hi-lo > 8 {
			return tooBig
		}
		for i := lo; i < hi; i++ {
			seen[i] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range seen {
		if !ok {
			t.Fatalf("item %d never read", i)
		}
	}
	err = Run(context.Background(), sizes, func(lo, hi int) error {
		if lo <= 7 && 7 < hi {
			return fmt.Errorf("item 7: %w", tooBig)
		}
		return nil
	})
	if !errors.Is(err, tooBig) {
		t.Fatalf("one bad item: %v", err)
	}
	calls := 0
	err = Run(context.Background(), sizes, func(lo, hi int) error {
		calls++
		return zk.ErrConnectionLoss
	})
	if !errors.Is(err, zk.ErrConnectionLoss) || calls != 1 {
		t.Fatalf("connection loss: %v after %d calls, want it returned at once", err, calls)
	}
}
