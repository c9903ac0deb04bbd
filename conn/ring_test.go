package conn

import (
	"slices"
	"testing"
)

// The ring keeps FIFO order across wrap-around and growth, and popBack
// takes the newest call.
func TestRing(t *testing.T) {
	var r ring
	if r.front() != nil || r.back() != nil || r.popFront() != nil || r.popBack() != nil || r.drain() != nil {
		t.Fatal("an empty ring must hold nothing")
	}
	calls := make([]*Call, 100)
	for i := range calls {
		calls[i] = &Call{xid: int32(i)}
	}
	// Fill and empty by halves so the head walks around the buffer
	// before it has to grow.
	var want []*Call
	next := 0
	for round := 0; round < 20; round++ {
		for k := 0; k < 5+round && next < len(calls); k++ {
			r.push(calls[next])
			want = append(want, calls[next])
			next++
		}
		for k := 0; k < 3 && len(want) > 0; k++ {
			if got := r.popFront(); got != want[0] {
				t.Fatalf("round %d: popFront got xid %d, want %d", round, got.xid, want[0].xid)
			}
			want = want[1:]
		}
		if r.len() != len(want) {
			t.Fatalf("round %d: len %d, want %d", round, r.len(), len(want))
		}
		if len(want) > 0 && (r.front() != want[0] || r.back() != want[len(want)-1]) {
			t.Fatalf("round %d: front/back do not match the oldest and newest", round)
		}
	}
	if got := r.popBack(); got != want[len(want)-1] {
		t.Fatalf("popBack got xid %d, want the newest, %d", got.xid, want[len(want)-1].xid)
	}
	want = want[:len(want)-1]
	if got := r.drain(); !slices.Equal(got, want) {
		t.Fatalf("drain returned %d calls out of order (want %d)", len(got), len(want))
	}
	if r.len() != 0 || r.front() != nil {
		t.Fatal("drained ring not empty")
	}
	for _, s := range r.buf {
		if s != nil {
			t.Fatal("a removed call is still referenced by the ring")
		}
	}
}

// Under steady pipelining (push and pop alike) the ring stops allocating.
func TestRingSteadyStateAllocFree(t *testing.T) {
	var r ring
	calls := make([]*Call, 64)
	for i := range calls {
		calls[i] = &Call{}
		r.push(calls[i])
	}
	allocs := testing.AllocsPerRun(100, func() {
		for i := range 64 {
			r.popFront()
			r.push(calls[i])
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per round of 64 pops and pushes, want 0", allocs)
	}
}
