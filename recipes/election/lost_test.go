package election_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/recipes/election"
	"github.com/zkwire/zk/recipes/internal/sessiontest"
)

// TestLatchLeaderToldWithinSessionTimeout: a leader cut off from the
// server (a black hole) stops leading (Changes says false) no later than
// the session timeout after it last heard from the server, and before the
// other candidate, whose server expired the leader's session, is elected.
func TestLatchLeaderToldWithinSessionTimeout(t *testing.T) {
	ctx := ctxFor(t, 2*time.Minute)
	path := testPath(t)
	px := testenv.Proxy(t, srv.Addr())
	lc := connectTo(t, []string{px.Addr()}, zk.WithSessionTimeout(4*time.Second), zk.WithNewSessionOnExpiry())
	timeout := lc.SessionTimeout()
	leader := election.NewLatch(lc, path, "leader")
	if err := leader.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { leader.Close() })
	select {
	case v := <-leader.Changes():
		if !v {
			t.Fatal("first change is false")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("not elected")
	}
	follower := election.NewLatch(connectTo(t, []string{srv.Addr()}), path, "follower")
	if err := follower.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { follower.Close() })
	eventually(t, 30*time.Second, func() error {
		kids, _, err := lc.Children(ctx, path)
		if err != nil || len(kids) != 2 {
			return fmt.Errorf("candidates %v (%v), want two", kids, err)
		}
		return nil
	})

	if _, _, err := lc.Exists(ctx, path); err != nil { // contact now
		t.Fatal(err)
	}
	elected := make(chan time.Time, 1)
	go func() {
		select {
		case <-follower.Leader():
			elected <- time.Now()
		case <-ctx.Done():
		}
	}()
	contact := time.Now()
	px.SetBlackhole(true)
	t.Cleanup(func() { px.SetBlackhole(false) })

	const slack = 2 * time.Second
	select {
	case v := <-leader.Changes():
		if v {
			t.Fatal("elected again while cut off")
		}
		t.Logf("leadership given up %v after the last contact (session timeout %v)", time.Since(contact).Round(10*time.Millisecond), timeout)
	case <-time.After(timeout + slack):
		t.Fatalf("still leading %v after the last contact (session timeout %v)", timeout+slack, timeout)
	}
	toldAt := time.Now()
	select {
	case at := <-elected:
		if d := toldAt.Sub(at); d > 100*time.Millisecond {
			t.Errorf("the follower was elected %v before the leader was told", d)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the follower was not elected")
	}
	if leader.IsLeader() {
		t.Fatal("two leaders")
	}
}

// TestLatchStateLostWithSessionAlive: on StateLost the leader gives up
// leadership at once; when the session turns out alive it does not simply
// claim again: it removes its old node and stands anew, and is elected
// again with one node of its own, not two.
func TestLatchStateLostWithSessionAlive(t *testing.T) {
	ctx := ctxFor(t, time.Minute)
	path := testPath(t)
	c := sessiontest.New(connectTo(t, []string{srv.Addr()}))
	l := election.NewLatch(c, path, "solo")
	if err := l.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	next := func() bool {
		t.Helper()
		select {
		case v := <-l.Changes():
			return v
		case <-time.After(30 * time.Second):
			t.Fatal("no leadership change within 30 s")
		}
		return false
	}
	if !next() {
		t.Fatal("not elected")
	}
	before, _, err := c.Children(ctx, path)
	if err != nil || len(before) != 1 {
		t.Fatalf("candidates %v (%v)", before, err)
	}
	c.Set(true)
	if next() {
		t.Fatal("still leading after StateLost")
	}
	c.Set(false)
	if !next() {
		t.Fatal("not elected again once the session proved alive")
	}
	after, _, err := c.Children(ctx, path)
	if err != nil || len(after) != 1 || after[0] == before[0] {
		t.Fatalf("candidates %v (%v) after standing again, want one new node (was %v)", after, err, before)
	}
}
