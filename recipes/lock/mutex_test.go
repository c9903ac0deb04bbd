package lock_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/lock"
	"github.com/zkwire/zk/zktest"
)

// TestMutexExclusion: 20 goroutines on 4 clients take the lock 200 times;
// never are two inside the critical section at once.
func TestMutexExclusion(t *testing.T) {
	const clients, perClient, rounds = 4, 5, 10
	path := testPath(t)
	ctx := ctxFor(t, 3*time.Minute)
	// overlaps counts entries that found another holder inside: Add returns
	// the count including this holder, so anything above 1 is a violation
	// seen atomically (a Load then a Store of a maximum can miss one).
	var inside, entries, overlaps atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients*perClient)
	for i := 0; i < clients; i++ {
		c := connect(t)
		for j := 0; j < perClient; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := lock.NewMutex(c, path)
				for r := 0; r < rounds; r++ {
					if err := m.Lock(ctx); err != nil {
						errs <- fmt.Errorf("lock: %w", err)
						return
					}
					if inside.Add(1) > 1 {
						overlaps.Add(1)
					}
					entries.Add(1)
					time.Sleep(time.Millisecond) // widen the window a second holder would need
					inside.Add(-1)
					if err := m.Unlock(ctx); err != nil {
						errs <- fmt.Errorf("unlock: %w", err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := overlaps.Load(); got != 0 {
		t.Errorf("%d acquisitions found another holder inside, want 0", got)
	}
	if got := entries.Load(); got != clients*perClient*rounds {
		t.Errorf("%d acquisitions, want %d", got, clients*perClient*rounds)
	}
	if left := children(t, connect(t), path); len(left) != 0 {
		t.Errorf("nodes left behind: %v", left)
	}
}

// TestMutexWaitersWatchOnlyPredecessor: with one holder and 20 waiters on 4
// clients, the server holds exactly one watch per waiter, on the contender
// just ahead of it, plus the holder's watch on its own node.
func TestMutexWaitersWatchOnlyPredecessor(t *testing.T) {
	const clients, perClient = 4, 5
	path := testPath(t)
	ctx := ctxFor(t, 2*time.Minute)
	obs := connect(t)
	cs := make([]*zk.Client, clients)
	for i := range cs {
		cs[i] = connect(t)
	}
	holder := lock.NewMutex(cs[0], path)
	if err := holder.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var acquired atomic.Int64
	for i := 0; i < clients*perClient; i++ {
		wg.Add(1)
		go func(c *zk.Client) {
			defer wg.Done()
			m := lock.NewMutex(c, path)
			if err := m.Lock(ctx); err != nil {
				t.Errorf("lock: %v", err)
				return
			}
			acquired.Add(1)
			if err := m.Unlock(ctx); err != nil {
				t.Errorf("unlock: %v", err)
			}
		}(cs[i%clients])
	}
	waitChildren(t, obs, path, 1+clients*perClient)

	// Who owns which node, in queue order.
	names := children(t, obs, path)
	slices.SortFunc(names, func(a, b string) int { return compareSeq(a, b) })
	owner := make(map[string]int64)
	for _, n := range names {
		ok, st, err := obs.Exists(ctx, path+"/"+n)
		if err != nil || !ok {
			t.Fatalf("exists %s: %v %v", n, ok, err)
		}
		owner[n] = st.EphemeralOwner
	}
	want := make(map[int64][]string)
	want[owner[names[0]]] = append(want[owner[names[0]]], path+"/"+names[0]) // the holder's monitor
	for i := 1; i < len(names); i++ {
		s := owner[names[i]]
		want[s] = append(want[s], path+"/"+names[i-1])
	}
	for s := range want {
		// One server watch per session and path: the holder's watch on its
		// own node also serves a waiter of the same session behind it.
		slices.Sort(want[s])
		want[s] = slices.Compact(want[s])
	}
	var got map[int64][]string
	eventually(t, 30*time.Second, func() error {
		all, err := srv.WatchesBySession(ctx)
		if err != nil {
			return err
		}
		got = make(map[int64][]string)
		for s, paths := range all {
			for _, p := range paths {
				if len(p) > len(path) && p[:len(path)+1] == path+"/" {
					got[s] = append(got[s], p)
				}
			}
		}
		for s := range got {
			slices.Sort(got[s])
		}
		if !maps.EqualFunc(got, want, slices.Equal) {
			return fmt.Errorf("watches on lock children by session:\n got %v\nwant %v", got, want)
		}
		return nil
	})
	if acquired.Load() != 0 {
		t.Fatalf("%d waiters acquired while the lock was held", acquired.Load())
	}
	if err := holder.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if acquired.Load() != clients*perClient {
		t.Fatalf("%d of %d waiters acquired", acquired.Load(), clients*perClient)
	}
	if left := children(t, obs, path); len(left) != 0 {
		t.Errorf("nodes left behind: %v", left)
	}
}

// compareSeq orders contender names by their sequence suffix.
func compareSeq(a, b string) int {
	sa, sb := a[len(a)-10:], b[len(b)-10:]
	switch {
	case sa < sb:
		return -1
	case sa > sb:
		return 1
	}
	return 0
}

// TestMutexCancelWaitingLeavesNoNode: a Lock cancelled while waiting (or
// while its create's reply is on the way), and a TryLock that finds the
// lock taken, leave no node behind.
func TestMutexCancelWaitingLeavesNoNode(t *testing.T) {
	path := testPath(t)
	ctx := ctxFor(t, time.Minute)
	c := connect(t)
	holder := lock.NewMutex(c, path)
	if err := holder.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	waiter := lock.NewMutex(connect(t), path)
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- waiter.Lock(wctx) }()
	waitChildren(t, c, path, 2)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Lock returned %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("cancelled Lock did not return")
	}
	// A node whose create reply the cancel cut short is removed in the
	// background (zk.Client.CreateProtected), within moments.
	if got := waitChildren(t, c, path, 1); path+"/"+got[0] != holder.Node() {
		t.Fatalf("children after cancel: %v, want only the holder's %s", got, holder.Node())
	}
	if !isClosed(waiter.Lost()) || waiter.FencingToken() != 0 || waiter.Node() != "" {
		t.Fatal("a Mutex that failed to lock reports a holding")
	}

	if err := waiter.TryLock(ctx); !errors.Is(err, lock.ErrLocked) {
		t.Fatalf("TryLock on a held lock: %v, want ErrLocked", err)
	}
	if got := children(t, c, path); len(got) != 1 {
		t.Fatalf("children after TryLock: %v, want only the holder's", got)
	}
	if err := holder.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if !isClosed(holder.Lost()) {
		t.Fatal("Lost still open after Unlock")
	}
	if err := waiter.TryLock(ctx); err != nil {
		t.Fatalf("TryLock on a free lock: %v", err)
	}
	if err := waiter.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if got := children(t, c, path); len(got) != 0 {
		t.Fatalf("children at the end: %v", got)
	}
}

// TestMutexCancelDuringUnansweredCreate: a Lock that gives up while its
// create is on the wire (the proxy delays each way by 300 ms, the Lock
// waits 150 ms) leaves no node: the server applies the create after the
// Lock returned, and the node is removed while the session lives.
func TestMutexCancelDuringUnansweredCreate(t *testing.T) {
	path := testPath(t)
	ctx := ctxFor(t, time.Minute)
	obs := connect(t)
	if err := obs.EnsurePath(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	p := startProxy(t)
	c := connectTo(t, p.Addr(), zk.WithSessionTimeout(20*time.Second))
	m := lock.NewMutex(c, path)
	p.SetLatency(300 * time.Millisecond)
	lctx, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel()
	if err := m.Lock(lctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock returned %v, want context.DeadlineExceeded", err)
	}
	// The lock node's child version counts a create and a delete: the
	// create was applied after the Lock gave up, and its node removed.
	eventually(t, 15*time.Second, func() error {
		_, st, err := obs.Exists(ctx, path)
		if err != nil {
			return err
		}
		if got := children(t, obs, path); len(got) != 0 || st.Cversion < 2 {
			return fmt.Errorf("children %v, child version %d: want the node made and removed", got, st.Cversion)
		}
		return nil
	})
	if c.State() != zk.StateConnected {
		t.Fatalf("the client is %v: the node may have gone with its session instead", c.State())
	}
}

func startProxy(t testing.TB) *zktest.Proxy {
	t.Helper()
	p, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestMutexCreateReplyLost: the create's reply never arrives and the
// connection drops; Lock finds its node by its uuid and holds the lock
// with exactly one node.
func TestMutexCreateReplyLost(t *testing.T) {
	path := testPath(t)
	ctx := ctxFor(t, time.Minute)
	obs := connect(t)
	if _, err := obs.Create(ctx, "/locktest", nil, zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
		t.Fatal(err)
	}
	if _, err := obs.Create(ctx, path, nil, zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	p := startProxy(t)
	c := connectTo(t, p.Addr(), zk.WithSessionTimeout(20*time.Second))
	m := lock.NewMutex(c, path)
	p.DropDirection(false, true) // requests arrive, replies vanish
	done := make(chan error, 1)
	go func() { done <- m.Lock(ctx) }()
	waitChildren(t, obs, path, 1) // the create was applied; its reply was lost
	p.DropDirection(false, false)
	p.Cut()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Lock after a lost reply: %v", err)
		}
	case <-time.After(45 * time.Second):
		t.Fatal("Lock did not return after the reconnect")
	}
	got := children(t, obs, path)
	if len(got) != 1 || path+"/"+got[0] != m.Node() {
		t.Fatalf("children %v, want exactly the holder's %s", got, m.Node())
	}
	_, st, err := obs.Exists(ctx, m.Node())
	if err != nil || st.EphemeralOwner != c.SessionID() {
		t.Fatalf("lock node owner: %+v %v, want session %#x", st, err, c.SessionID())
	}
	if m.FencingToken() != st.Czxid {
		t.Fatalf("fencing token %d, node Czxid %d", m.FencingToken(), st.Czxid)
	}
	if isClosed(m.Lost()) {
		t.Fatal("Lost closed by connection loss alone")
	}
	if err := m.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if got := children(t, obs, path); len(got) != 0 {
		t.Fatalf("children after Unlock: %v", got)
	}
}

// TestMutexHolderExpired: the holder's session expires; it is told (Lost
// closes) and the waiter gets the lock, with a larger fencing token.
func TestMutexHolderExpired(t *testing.T) {
	path := testPath(t)
	ctx := ctxFor(t, 2*time.Minute)
	a, b := connect(t), connect(t)
	ma, mb := lock.NewMutex(a, path), lock.NewMutex(b, path)
	if err := ma.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	tokenA := ma.FencingToken()
	done := make(chan error, 1)
	go func() { done <- mb.Lock(ctx) }()
	waitChildren(t, b, path, 2)
	if isClosed(ma.Lost()) {
		t.Fatal("Lost closed before the expiry")
	}
	if err := zktest.ExpireSession(ctx, srv.Addr(), a.SessionID(), a.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	if !closedWithin(ma.Lost(), 45*time.Second) {
		t.Fatal("the holder was not told it lost the lock")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("waiter: %v", err)
		}
	case <-time.After(45 * time.Second):
		t.Fatal("the waiter did not get the lock")
	}
	if mb.FencingToken() <= tokenA {
		t.Fatalf("new holder's token %d not above the old one's %d", mb.FencingToken(), tokenA)
	}
	if err := ma.Unlock(ctx); err != nil {
		t.Fatalf("Unlock of a lost lock: %v", err)
	}
	if err := mb.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestMutexDeletedNodeIsLost: someone deleting the holder's node closes
// Lost.
func TestMutexDeletedNodeIsLost(t *testing.T) {
	path := testPath(t)
	ctx := ctxFor(t, time.Minute)
	c := connect(t)
	m := lock.NewMutex(c, path)
	if err := m.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := connect(t).Delete(ctx, m.Node(), -1); err != nil {
		t.Fatal(err)
	}
	if !closedWithin(m.Lost(), 30*time.Second) {
		t.Fatal("Lost not closed after the node was deleted")
	}
	if err := m.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestMutexFencing: a holder whose session expired cannot write through its
// guard: the transaction fails with ErrNoNode and nothing is applied.
func TestMutexFencing(t *testing.T) {
	path := testPath(t)
	data := path + "-data"
	ctx := ctxFor(t, 2*time.Minute)
	a := connect(t, zk.WithNewSessionOnExpiry())
	b := connect(t)
	if _, err := b.Create(ctx, data, []byte("0"), zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	ma := lock.NewMutex(a, path)
	if err := ma.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ma.Multi(ctx, zk.SetOp(data, []byte("a1"), -1)); err != nil {
		t.Fatalf("guarded write while holding: %v", err)
	}
	old := a.SessionID()
	if err := zktest.ExpireSession(ctx, srv.Addr(), old, a.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	if !closedWithin(ma.Lost(), 45*time.Second) {
		t.Fatal("the holder was not told it lost the lock")
	}
	eventually(t, 30*time.Second, func() error {
		if a.SessionID() == old || a.State() != zk.StateConnected {
			return fmt.Errorf("no new session yet (%v)", a.State())
		}
		return nil
	})
	// The stale holder writes as if it still held the lock.
	_, err := ma.Multi(ctx, zk.SetOp(data, []byte("stale"), -1))
	if !errors.Is(err, zk.ErrNoNode) || !errors.Is(err, lock.ErrLost) {
		t.Fatalf("stale guarded write: %v, want ErrNoNode and ErrLost", err)
	}
	_, err = a.Multi(ctx, ma.Guard(), zk.SetOp(data, []byte("stale"), -1))
	if !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("stale write with Guard: %v, want ErrNoNode", err)
	}
	got, _, err := b.Get(ctx, data)
	if err != nil || string(got) != "a1" {
		t.Fatalf("data = %q, %v; want the last write made while holding, a1", got, err)
	}
	// The next holder's token is larger and its guarded writes apply.
	mb := lock.NewMutex(b, path)
	if err := mb.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if mb.FencingToken() <= ma.FencingToken() {
		t.Fatalf("token %d not above the stale holder's %d", mb.FencingToken(), ma.FencingToken())
	}
	if _, err := mb.Multi(ctx, zk.SetOp(data, []byte("b1"), -1)); err != nil {
		t.Fatal(err)
	}
	if err := ma.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ma.Multi(ctx, zk.SetOp(data, []byte("x"), -1)); !errors.Is(err, lock.ErrNotLocked) {
		t.Fatalf("Multi after Unlock: %v, want ErrNotLocked", err)
	}
	if _, err := a.Multi(ctx, ma.Guard(), zk.SetOp(data, []byte("x"), -1)); !errors.Is(err, zk.ErrInvalidPath) {
		t.Fatalf("Guard of an unheld Mutex: %v, want ErrInvalidPath", err)
	}
	if err := mb.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestMutexFencingExpiredClient: on a client that stays expired, the
// guarded write fails with ErrSessionExpired and is not applied.
func TestMutexFencingExpiredClient(t *testing.T) {
	path := testPath(t)
	data := path + "-data"
	ctx := ctxFor(t, time.Minute)
	a, b := connect(t), connect(t)
	if _, err := b.Create(ctx, data, []byte("0"), zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	ma := lock.NewMutex(a, path)
	if err := ma.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := zktest.ExpireSession(ctx, srv.Addr(), a.SessionID(), a.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	if !closedWithin(ma.Lost(), 45*time.Second) {
		t.Fatal("the holder was not told it lost the lock")
	}
	if _, err := ma.Multi(ctx, zk.SetOp(data, []byte("stale"), -1)); !errors.Is(err, zk.ErrSessionExpired) {
		t.Fatalf("stale guarded write: %v, want ErrSessionExpired", err)
	}
	if got, _, err := b.Get(ctx, data); err != nil || string(got) != "0" {
		t.Fatalf("data = %q, %v; want 0", got, err)
	}
	if err := ma.Lock(ctx); !errors.Is(err, lock.ErrBusy) {
		t.Fatalf("Lock while still holding a lost lock: %v, want ErrBusy", err)
	}
	if err := ma.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ma.Lock(ctx); !errors.Is(err, zk.ErrSessionExpired) {
		t.Fatalf("Lock on an expired client: %v, want ErrSessionExpired", err)
	}
}

// TestMutexBadInput: errors before anything is sent.
func TestMutexBadInput(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	for _, p := range []string{"", "/", "rel", "/a//b", "/a/"} {
		if err := lock.NewMutex(c, p).Lock(ctx); !errors.Is(err, zk.ErrInvalidPath) {
			t.Errorf("Lock on %q: %v, want ErrInvalidPath", p, err)
		}
	}
	m := lock.NewMutex(c, testPath(t))
	//lint:ignore SA1012 testing the nil check
	if err := m.Lock(nil); !errors.Is(err, zk.ErrInvalidArgument) { //nolint:staticcheck
		t.Errorf("Lock(nil): %v", err)
	}
	if err := m.Unlock(ctx); !errors.Is(err, lock.ErrNotLocked) {
		t.Errorf("Unlock of an unheld Mutex: %v", err)
	}
	if _, err := m.Multi(ctx); !errors.Is(err, lock.ErrNotLocked) {
		t.Errorf("Multi of an unheld Mutex: %v", err)
	}
	if err := m.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Lock(ctx); !errors.Is(err, lock.ErrBusy) {
		t.Errorf("second Lock: %v, want ErrBusy", err)
	}
	if err := m.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Unlock(ctx); !errors.Is(err, lock.ErrNotLocked) {
		t.Errorf("second Unlock: %v, want ErrNotLocked", err)
	}
}

// TestMutexNodeIsContainer: the lock node and its missing parents are made
// by the first Lock; the lock node is a container, which the server
// removes once the last contender has left, while its parents stay.
func TestMutexNodeIsContainer(t *testing.T) {
	path := testPath(t) + "/a/lock"
	ctx := ctxFor(t, time.Minute)
	c := connect(t)
	m := lock.NewMutex(c, path)
	if err := m.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	_, st, err := c.Exists(ctx, path)
	if err != nil || st.EphemeralOwner != 0 || st.NumChildren != 1 {
		t.Fatalf("lock node: %+v %v", st, err)
	}
	if err := m.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error {
		if ok, _, err := c.Exists(ctx, path); err != nil || ok {
			return fmt.Errorf("the empty lock node is still there (%v)", err)
		}
		return nil
	})
	if ok, _, err := c.Exists(ctx, path[:len(path)-len("/lock")]); err != nil || !ok {
		t.Fatalf("the lock node's parent went too (%v)", err)
	}
}
