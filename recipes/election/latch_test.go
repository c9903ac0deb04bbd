package election_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/election"
	"github.com/zkwire/zk/zktest"
)

// candidate is one Latch on its own client, with the changes it reported.
type candidate struct {
	id string
	c  *zk.Client
	l  *election.Latch

	mu      sync.Mutex
	changes []bool
	done    chan struct{}
}

func (c *candidate) seen() []bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.changes)
}

// startCandidates starts n latches on path, each on its own client to addrs.
func startCandidates(t *testing.T, ctx context.Context, addrs []string, path string, n int) []*candidate {
	t.Helper()
	cs := make([]*candidate, n)
	for i := range cs {
		c := &candidate{id: fmt.Sprintf("cand-%d", i), done: make(chan struct{})}
		c.c = connectTo(t, addrs, zk.WithNewSessionOnExpiry())
		c.l = election.NewLatch(c.c, path, c.id)
		if err := c.l.Start(ctx); err != nil {
			t.Fatal(err)
		}
		go func() {
			defer close(c.done)
			for v := range c.l.Changes() {
				c.mu.Lock()
				c.changes = append(c.changes, v)
				c.mu.Unlock()
			}
		}()
		t.Cleanup(func() { c.l.Close(); <-c.done })
		cs[i] = c
	}
	return cs
}

// oneLeader waits until exactly one candidate leads, and the server agrees,
// and returns it.
func oneLeader(t *testing.T, ctx context.Context, cs []*candidate, not *candidate) *candidate {
	t.Helper()
	var leader *candidate
	eventually(t, 60*time.Second, func() error {
		var leaders []string
		leader = nil
		for _, c := range cs {
			if c.l.IsLeader() {
				leaders = append(leaders, c.id)
				leader = c
			}
		}
		if len(leaders) != 1 {
			return fmt.Errorf("leaders %v, want exactly one", leaders)
		}
		if leader == not {
			return fmt.Errorf("%s still leads", leader.id)
		}
		id, err := leader.l.LeaderID(ctx)
		if err != nil || id != leader.id {
			return fmt.Errorf("server says the leader is %q (%v), latch says %s", id, err, leader.id)
		}
		if got := leader.seen(); !slices.Equal(got, []bool{true}) {
			return fmt.Errorf("%s saw changes %v, want [true]", leader.id, got)
		}
		return nil
	})
	return leader
}

// expireLeader expires the leader's session and checks that it is told and
// that exactly one other candidate is elected.
func expireLeader(t *testing.T, ctx context.Context, addr string, cs []*candidate, old *candidate) *candidate {
	t.Helper()
	token := old.l.FencingToken()
	if err := zktest.ExpireSession(ctx, addr, old.c.SessionID(), old.c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, func() error {
		if got := old.seen(); !slices.Equal(got, []bool{true, false}) || old.l.IsLeader() {
			return fmt.Errorf("old leader %s saw %v (leader %v), want [true false]", old.id, got, old.l.IsLeader())
		}
		return nil
	})
	next := oneLeader(t, ctx, cs, old)
	if next.l.FencingToken() <= token {
		t.Fatalf("new leader's token %d not above the old one's %d", next.l.FencingToken(), token)
	}
	for _, c := range cs {
		if c != next && c.l.IsLeader() {
			t.Fatalf("%s leads too", c.id)
		}
	}
	return next
}

// TestLatchOneLeaderAndExpiry: five candidates on five clients elect one
// leader; when its session expires it is told, and exactly one other is
// elected; the old one stands again in its new session.
func TestLatchOneLeaderAndExpiry(t *testing.T) {
	ctx := ctxFor(t, 3*time.Minute)
	path := testPath(t)
	cs := startCandidates(t, ctx, []string{srv.Addr()}, path, 5)
	leader := oneLeader(t, ctx, cs, nil)
	next := expireLeader(t, ctx, srv.Addr(), cs, leader)

	// The old leader is a candidate again, in its new session.
	eventually(t, 30*time.Second, func() error {
		names, _, err := next.c.Children(ctx, path)
		if err != nil {
			return err
		}
		if len(names) != 5 {
			return fmt.Errorf("%d candidates, want 5 (the expired one back)", len(names))
		}
		return nil
	})

	// Close the leader: another takes over, and the closed one's node goes.
	if err := next.l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := next.seen(); !slices.Equal(got, []bool{true, false}) {
		t.Fatalf("closed leader saw %v, want [true false]", got)
	}
	third := oneLeader(t, ctx, cs, next)
	if names, _, err := third.c.Children(ctx, path); err != nil || len(names) != 4 {
		t.Fatalf("after Close: %d candidates (%v), want 4", len(names), err)
	}
}

// TestLatchEnsemble: the same on a 3-server ensemble, with a follower
// stopped under the candidates: leadership stays put across the
// reconnects, then moves exactly once when the leader's session expires.
func TestLatchEnsemble(t *testing.T) {
	ens := zktest.StartEnsembleT(t, 3)
	ctx := ctxFor(t, 4*time.Minute)
	path := testPath(t)
	cs := startCandidates(t, ctx, ens.Addrs(), path, 5)
	leader := oneLeader(t, ctx, cs, nil)

	zkLeader, err := ens.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	follower := (zkLeader + 1) % 3
	if err := ens.Servers()[follower].Stop(); err != nil {
		t.Fatal(err)
	}
	live := ens.Addrs()[zkLeader]
	// Every client is (again) on a live server; nothing changed hands.
	eventually(t, 60*time.Second, func() error {
		for _, c := range cs {
			if s := c.c.Server(); s == "" || s == ens.Addrs()[follower] || c.c.State() != zk.StateConnected {
				return fmt.Errorf("%s on %q in %v", c.id, s, c.c.State())
			}
			if _, _, err := c.c.Exists(ctx, path); err != nil {
				return fmt.Errorf("%s: %v", c.id, err)
			}
		}
		return nil
	})
	if again := oneLeader(t, ctx, cs, nil); again != leader {
		t.Fatalf("leadership moved from %s to %s on connection loss alone", leader.id, again.id)
	}
	expireLeader(t, ctx, live, cs, leader)
}

// TestLatchStepDown: the leader steps down and stands again at the back;
// the next candidate leads.
func TestLatchStepDown(t *testing.T) {
	ctx := ctxFor(t, time.Minute)
	path := testPath(t)
	cs := startCandidates(t, ctx, []string{srv.Addr()}, path, 2)
	leader := oneLeader(t, ctx, cs, nil)
	if err := leader.l.StepDown(ctx); err != nil {
		t.Fatal(err)
	}
	next := oneLeader(t, ctx, cs, leader)
	eventually(t, 30*time.Second, func() error {
		if got := leader.seen(); !slices.Equal(got, []bool{true, false}) {
			return fmt.Errorf("stepped-down leader saw %v", got)
		}
		return nil
	})
	if err := leader.l.StepDown(ctx); !errors.Is(err, election.ErrNotLeader) {
		t.Fatalf("StepDown of a follower: %v, want ErrNotLeader", err)
	}
	select {
	case <-next.l.Leader():
	default:
		t.Fatal("Leader() not closed for the leader")
	}
}

// TestLatchEndsWhenClientExpires: on a client that stays expired the
// campaign ends by itself and says why.
func TestLatchEndsWhenClientExpires(t *testing.T) {
	ctx := ctxFor(t, time.Minute)
	c := connectTo(t, []string{srv.Addr()})
	l := election.NewLatch(c, testPath(t), "solo")
	if err := l.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	select {
	case <-l.Leader():
	case <-time.After(30 * time.Second):
		t.Fatal("a lone candidate was not elected")
	}
	if err := zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	var got []bool
	for v := range l.Changes() {
		got = append(got, v)
	}
	if !slices.Equal(got, []bool{true, false}) {
		t.Fatalf("changes %v, want [true false]", got)
	}
	<-l.Done()
	if !errors.Is(l.Err(), zk.ErrSessionExpired) {
		t.Fatalf("Err = %v, want ErrSessionExpired", l.Err())
	}
}

func TestLatchBadInput(t *testing.T) {
	c := connectTo(t, []string{srv.Addr()})
	ctx := ctxFor(t, 10*time.Second)
	for _, p := range []string{"", "/", "x", "/a/"} {
		if err := election.NewLatch(c, p, "id").Start(ctx); !errors.Is(err, zk.ErrInvalidPath) {
			t.Errorf("Start on %q: %v, want ErrInvalidPath", p, err)
		}
	}
	l := election.NewLatch(c, testPath(t), "id")
	if err := l.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Start(ctx); !errors.Is(err, election.ErrStarted) {
		t.Errorf("second Start: %v", err)
	}
	l.Close()
	l.Close()
	if _, ok := <-l.Changes(); ok {
		// The one change (elected) may or may not have been read; after
		// Close the channel must end.
		for range l.Changes() {
		}
	}
	if err := election.NewLatch(c, testPath(t), "x").Close(); err != nil {
		t.Errorf("Close without Start: %v", err)
	}
}
