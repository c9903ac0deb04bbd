package conn

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
)

// fixedRand returns the given draws in turn, then fails the test.
func fixedRand(t *testing.T, draws ...float64) func() float64 {
	return func() float64 {
		if len(draws) == 0 {
			t.Fatal("more random draws than expected")
		}
		d := draws[0]
		draws = draws[1:]
		return d
	}
}

// The grown-list rule with a chosen coin: a draw below 1-N/M moves the
// client to a new server, one at or above it keeps it where it is, and the
// round-robin then goes on after the current server.
func TestRebalanceGrowCoin(t *testing.T) {
	old := []string{"a:1", "b:1", "c:1"}
	grown := []string{"a:1", "b:1", "c:1", "d:1", "e:1"} // 1-3/5 = 0.4

	h := newHostList(old, nil)
	h.rnd = fixedRand(t, 0.39, 0.5) // move; then the pick's coin (probNew 1: new)
	if !h.update(grown, "b:1") {
		t.Fatal("draw 0.39 < 0.4: want a move")
	}
	if p := h.pick(); p != "d:1" && p != "e:1" {
		t.Fatalf("moved to %s, want a new server", p)
	}

	h = newHostList(old, nil)
	h.rnd = fixedRand(t, 0.4)
	if h.update(grown, "b:1") {
		t.Fatal("draw 0.4 >= 0.4: want no move")
	}
	// Staying: the next attempt after a drop is the server after b.
	next := h.pick()
	want := h.addrs[(indexAddr(h.addrs, "b:1")+1)%5]
	if next != want {
		t.Fatalf("next pick %s, want %s (after b:1 in %v)", next, want, h.addrs)
	}
}

// A client whose server stays in a list that shrank or kept its size does
// not move and draws nothing; one whose server left must move, and with no
// new server it goes to a survivor.
func TestRebalanceShrink(t *testing.T) {
	old := []string{"a:1", "b:1", "c:1", "d:1", "e:1"}
	h := newHostList(old, nil)
	h.rnd = fixedRand(t) // no draw allowed
	if h.update([]string{"a:1", "b:1", "c:1", "d:1"}, "a:1") {
		t.Fatal("server a stays in a smaller list: want no move")
	}
	h = newHostList(old, nil)
	h.rnd = fixedRand(t, 0.99) // the pick's coin: probNew 0, a survivor
	if !h.update([]string{"a:1", "b:1", "c:1", "d:1"}, "e:1") {
		t.Fatal("server e left: want a move")
	}
	if p := h.pick(); !slices.Contains([]string{"a:1", "b:1", "c:1", "d:1"}, p) {
		t.Fatalf("moved to %s", p)
	}
	// The same servers in another order, or spelled alike, change nothing.
	h = newHostList([]string{"[::1]:1", "b:1"}, nil)
	h.rnd = fixedRand(t)
	if h.update([]string{"b:1", "[0:0::1]:1"}, "b:1") {
		t.Fatal("same set: want no move")
	}
}

// A move tries the chosen group first, then the other, then falls back to
// the round-robin; a connection ends the move.
func TestRebalanceMoveWalk(t *testing.T) {
	h := newHostList([]string{"a:1", "b:1"}, nil)
	h.rnd = func() float64 { return 0 } // always take a new server while any is left
	if !h.update([]string{"a:1", "c:1", "d:1"}, "b:1") {
		t.Fatal("server b left: want a move")
	}
	var got []string
	for range 4 {
		got = append(got, h.pick())
	}
	if !sameSet(got[:2], []string{"c:1", "d:1"}) || got[2] != "a:1" {
		t.Fatalf("move tried %v, want the new servers, then a:1, then the round-robin", got)
	}
	h.connected("a:1")
	if h.reconfig {
		t.Fatal("still moving after a connection")
	}
}

// Over 10,000 draws the fraction of clients that move when a list grows
// from N to M while their server stays is 1-N/M, within 0.02 (four
// standard deviations at worst: sqrt(0.25/10000) = 0.005).
func TestRebalanceMoveFraction(t *testing.T) {
	const draws = 10000
	for _, nm := range [][2]int{{3, 4}, {3, 5}, {4, 5}, {1, 3}, {5, 9}} {
		n, m := nm[0], nm[1]
		old, grown := servers(n), servers(m)
		moved := 0
		for range draws {
			h := newHostList(old, nil)
			if h.update(grown, old[0]) {
				moved++
			}
		}
		got, want := float64(moved)/draws, 1-float64(n)/float64(m)
		if math.Abs(got-want) > 0.02 {
			t.Errorf("%d -> %d servers: %.4f moved, want %.4f ± 0.02", n, m, got, want)
		}
	}
}

// End to end over 10,000 simulated clients spread evenly over the old
// list: after the update (servers added, removed or both) and the moves it
// orders, every server of the new list has 1/M of them, within 0.02.
func TestRebalanceSpread(t *testing.T) {
	const clients = 10000
	cases := []struct{ old, new []string }{
		{servers(3), servers(4)},                              // one added
		{servers(3), servers(5)},                              // two added
		{servers(5), servers(4)},                              // one removed
		{servers(3), []string{"s0:1", "s1:1", "x:1", "y:1"}},  // one removed, two added
		{servers(5), []string{"s0:1", "s1:1", "s2:1", "x:1"}}, // two removed, one added
		{servers(3), []string{"x:1", "y:1"}},                  // all replaced
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d_to_%d", len(tc.old), len(tc.new)), func(t *testing.T) {
			count := map[string]int{}
			for i := range clients {
				h := newHostList(tc.old, nil)
				cur := tc.old[i%len(tc.old)]
				if h.update(tc.new, cur) {
					cur = h.pick()
				}
				count[cur]++
			}
			want := 1 / float64(len(tc.new))
			for _, s := range tc.new {
				if got := float64(count[s]) / clients; math.Abs(got-want) > 0.02 {
					t.Errorf("%v -> %v: %s has %.4f of the clients, want %.4f ± 0.02 (%v)", tc.old, tc.new, s, got, want, count)
				}
			}
			if len(count) != len(tc.new) {
				t.Errorf("clients on %v, want only %v", count, tc.new)
			}
		})
	}
}

func servers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("s%d:1", i)
	}
	return out
}

// UpdateServers checks addresses as Dial does, and refuses to compete with
// a HostProvider.
func TestUpdateServersInput(t *testing.T) {
	c := &Conn{hosts: newHostList([]string{"a:1"}, nil)}
	for _, bad := range [][]string{nil, {}, {"a:1", "b"}, {"a:1,b:1"}, {"a:1/app"}} {
		if err := c.UpdateServers(bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("UpdateServers(%q) = %v, want ErrInvalidArgument", bad, err)
		}
	}
	if got := c.Servers(); !slices.Equal(got, []string{"a:1"}) {
		t.Fatalf("after refused updates the list is %v", got)
	}
	p := &Conn{cfg: Config{HostProvider: nopProvider{}}, hosts: newHostList([]string{"a:1"}, nopProvider{})}
	if err := p.UpdateServers([]string{"b:1"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("with a HostProvider: %v, want ErrInvalidArgument", err)
	}
}

type nopProvider struct{}

func (nopProvider) Next() string     { return "a:1" }
func (nopProvider) Connected(string) {}
