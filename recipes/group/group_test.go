package group_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/group"
	"github.com/zkwire/zk/zktest"
)

// checkList reports how list differs from the members m0..m(n-1) with
// data "d<i>".
func checkList(list []group.Member, n int) error {
	if len(list) != n {
		return fmt.Errorf("%d members %v, want %d", len(list), list, n)
	}
	for i, mb := range list {
		if mb.ID != fmt.Sprintf("m%02d", i) || string(mb.Data) != fmt.Sprintf("d%d", i) {
			return fmt.Errorf("member %d = %s %q", i, mb.ID, mb.Data)
		}
	}
	return nil
}

func TestGroupConvergesAfterExpiry(t *testing.T) {
	const n, nclients = 10, 3
	ctx := ctxFor(t, 3*time.Minute)
	dir := testPath(t) + "/workers"
	clients := make([]*zk.Client, nclients)
	groups := make([]*group.Members, nclients)
	for i := range clients {
		clients[i] = connect(t, "", zk.WithNewSessionOnExpiry())
		g, err := group.New(clients[i], dir)
		if err != nil {
			t.Fatal(err)
		}
		groups[i] = g
		t.Cleanup(func() { g.Close(context.Background()) })
	}
	obsClient := connect(t, "")
	obs, _ := group.New(obsClient, dir)
	if err := obs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { obs.Close(context.Background()) })
	for i := range n {
		if err := groups[i%nclients].Join(ctx, fmt.Sprintf("m%02d", i), fmt.Appendf(nil, "d%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	// The Changes channel reaches the full list.
	for done := false; !done; {
		select {
		case list := <-obs.Changes():
			done = checkList(list, n) == nil
		case <-time.After(30 * time.Second):
			t.Fatal("Changes never delivered the full list")
		}
	}
	eventually(t, 30*time.Second, func() error { return checkList(obs.Members(), n) })

	victim := clients[0]
	old := victim.SessionID()
	if err := zktest.ExpireSession(ctx, srv.Addr(), old, victim.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	// Converges: every member back, the victim's ones owned by its new
	// session.
	eventually(t, 60*time.Second, func() error {
		if err := checkList(obs.Members(), n); err != nil {
			return err
		}
		for i := range n {
			c := clients[i%nclients]
			_, stat, err := obsClient.Get(ctx, fmt.Sprintf("%s/m%02d", dir, i))
			if err != nil {
				return err
			}
			if stat.EphemeralOwner != c.SessionID() || stat.EphemeralOwner == old {
				return fmt.Errorf("m%02d owned by %#x, want %#x (old %#x)", i, stat.EphemeralOwner, c.SessionID(), old)
			}
		}
		return nil
	})

	// Leave and Close take members out.
	if err := groups[1].Leave(ctx, "m01"); err != nil {
		t.Fatal(err)
	}
	if err := groups[1].Leave(ctx, "m01"); !errors.Is(err, group.ErrNotJoined) {
		t.Fatalf("second Leave = %v, want ErrNotJoined", err)
	}
	if err := groups[2].Close(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		var ids []string
		for _, mb := range obs.Members() {
			ids = append(ids, mb.ID)
		}
		if want := "[m00 m03 m04 m06 m07 m09]"; fmt.Sprint(ids) != want {
			return fmt.Errorf("members %v, want %s", ids, want)
		}
		return nil
	})
}

func TestGroupBadInputAndClose(t *testing.T) {
	c := connect(t, "")
	ctx := ctxFor(t, 30*time.Second)
	if _, err := group.New(c, "rel"); err == nil {
		t.Fatal("New with a relative path succeeded")
	}
	g, err := group.New(c, testPath(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "a/b", ".."} {
		if err := g.Join(ctx, id, nil); err == nil {
			t.Errorf("Join(%q) succeeded", id)
		}
	}
	if err := g.Join(ctx, "x", nil); err != nil {
		t.Fatal(err)
	}
	if err := g.Join(ctx, "x", nil); !errors.Is(err, group.ErrJoined) {
		t.Fatalf("second Join = %v, want ErrJoined", err)
	}
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := g.Members(); len(got) != 1 || got[0].ID != "x" {
		t.Fatalf("members %v", got)
	}
	if err := g.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for range g.Changes() {
	}
}

// requestCounter is a zk.Metrics that counts requests by operation.
type requestCounter struct {
	mu  sync.Mutex
	ops map[string]int
}

func (r *requestCounter) RequestStarted(op string) {
	r.mu.Lock()
	if r.ops == nil {
		r.ops = make(map[string]int)
	}
	r.ops[op]++
	r.mu.Unlock()
}
func (r *requestCounter) RequestDone(string, time.Duration, error) {}
func (r *requestCounter) Reconnected()                             {}
func (r *requestCounter) SessionExpired()                          {}

func (r *requestCounter) snapshot() (map[string]int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	total := 0
	for _, n := range r.ops {
		total += n
	}
	return maps.Clone(r.ops), total
}

// TestGroupNoSpinWhenNodeCannotBeMade: with the group's node deleted and
// its parent made world-READ-only, the watcher can neither list nor
// recreate the node; it must back off rather than loop on ChildrenW and
// EnsurePath.
func TestGroupNoSpinWhenNodeCannotBeMade(t *testing.T) {
	ctx := ctxFor(t, time.Minute)
	admin := connect(t, "")
	parent := testPath(t)
	dir := parent + "/g"
	if _, err := admin.Create(ctx, parent, nil, zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	counter := &requestCounter{}
	c := connect(t, "", zk.WithMetrics(counter))
	g, err := group.New(c, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(context.Background()) })
	t.Cleanup(func() { admin.SetACL(context.Background(), parent, zk.WorldACL(zk.PermAll), -1) })

	if err := admin.Delete(ctx, dir, -1); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.SetACL(ctx, parent, zk.WorldACL(zk.PermRead), -1); err != nil {
		t.Fatal(err)
	}
	// Let the watcher notice, then count what it sends for 2 s.
	time.Sleep(200 * time.Millisecond)
	_, before := counter.snapshot()
	const window = 2 * time.Second
	time.Sleep(window)
	ops, after := counter.snapshot()
	n := after - before
	t.Logf("%d requests in %v (%.0f/s); totals by op %v", n, window, float64(n)/window.Seconds(), ops)
	// A backing-off watcher makes a handful of attempts in 2 s; a spinning
	// one makes thousands.
	if n > 60 {
		t.Errorf("%d requests in %v while the group node cannot be made: the watcher does not back off", n, window)
	}
}

// TestGroupBigMembers: 20 members of 900 KB (18 MB together) are more than
// one reply may carry (16 MiB). Members must read them in batches bounded
// in bytes, converge, and never make the shared client drop its
// connection.
func TestGroupBigMembers(t *testing.T) {
	const n, size = 20, 900 << 10
	ctx := ctxFor(t, 2*time.Minute)
	var drops atomic.Int64
	c := connect(t, "", zk.WithStateListener(func(s zk.State) {
		if s == zk.StateDisconnected {
			drops.Add(1)
		}
	}))
	dir := testPath(t)
	if err := c.EnsurePath(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		data := make([]byte, size)
		data[0] = byte(i)
		if _, err := c.Create(ctx, fmt.Sprintf("%s/m%02d", dir, i), data, zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	g, err := group.New(c, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(context.Background()) })
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := g.Start(sctx); err != nil {
		t.Fatalf("Start: %v (the client dropped its connection %d times)", err, drops.Load())
	}
	list := g.Members()
	if len(list) != n {
		t.Fatalf("%d members, want %d", len(list), n)
	}
	for i, m := range list {
		if m.ID != fmt.Sprintf("m%02d", i) || len(m.Data) != size || m.Data[0] != byte(i) {
			t.Fatalf("member %d: %s with %d bytes", i, m.ID, len(m.Data))
		}
	}
	t.Logf("the shared client dropped its connection %d times", drops.Load())
	if d := drops.Load(); d != 0 {
		t.Errorf("the shared client dropped its connection %d times, want 0", d)
	}
}
