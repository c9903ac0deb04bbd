package zk_test

// Attacks on the correctness fixes of issues 1, 1b, 1c and 1d, by an
// outside reviewer: chroots, nil and edge inputs, lost replies, races.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// chrooted makes dir+"/a/b" and returns a client rooted there.
func chrooted(t *testing.T, servers []string, opts ...zk.Option) (*zk.Client, string) {
	t.Helper()
	obs := connect(t)
	dir := testPath(t)
	mustCreate(t, obs, dir, nil)
	mustCreate(t, obs, dir+"/a", nil)
	mustCreate(t, obs, dir+"/a/b", nil)
	root := dir + "/a/b"
	return connectTo(t, servers, append(opts, zk.WithChroot(root))...), root
}

// A sequential create of "/" under a nested chroot lands inside it, by
// every way of creating, and the returned path names the node seen
// through the chroot.
func TestAttackSequentialRootNestedChroot(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 30*time.Second)
	c, root := chrooted(t, []string{srv.Addr()})
	obs := connect(t)
	check := func(how, p string) {
		t.Helper()
		if !strings.HasPrefix(p, "/") || strings.Count(p, "/") != 1 || len(p) != 11 {
			t.Errorf("%s: returned %q, want /<10 digits>", how, p)
			return
		}
		if ok, _, err := obs.Exists(ctx, root+p); err != nil || !ok {
			t.Errorf("%s: %s is not on the server (%v, %v)", how, root+p, ok, err)
		}
		if ok, _, err := c.Exists(ctx, p); err != nil || !ok {
			t.Errorf("%s: %s is not visible through the chroot (%v, %v)", how, p, ok, err)
		}
	}
	p, err := c.Create(ctx, "/", nil, zk.PersistentSequential, open)
	if err != nil {
		t.Fatal(err)
	}
	check("Create", p)
	p, st, err := c.CreateWithStat(ctx, "/", nil, zk.EphemeralSequential, open)
	if err != nil || st == nil {
		t.Fatal(err, st)
	}
	check("CreateWithStat", p)
	p, _, err = c.CreateTTL(ctx, "/", nil, zk.PersistentSequentialWithTTL, open, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	check("CreateTTL", p)
	res, err := c.Multi(ctx,
		zk.CreateOp("/", nil, zk.PersistentSequential, open),
		zk.CreateTTLOp("/", nil, zk.PersistentSequentialWithTTL, open, time.Minute),
	)
	if err != nil {
		t.Fatal(err)
	}
	check("Multi CreateOp", res[0].Path)
	check("Multi CreateTTLOp", res[1].Path)
	p, _, err = c.CreateProtected(ctx, "/", nil, zk.EphemeralSequential, open)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p, "/"+zk.ProtectedPrefix) {
		t.Errorf("protected create of /: %q", p)
	}
	if ok, _, err := obs.Exists(ctx, root+p); err != nil || !ok {
		t.Errorf("protected: %s not on the server (%v, %v)", root+p, ok, err)
	}
	// Nothing leaked beside the chroot.
	kids, _, err := obs.Children(ctx, strings.TrimSuffix(root, "/b"))
	if err != nil || len(kids) != 1 {
		t.Errorf("beside the chroot: %v %v; want only b", kids, err)
	}
}

// A Multi under a chroot with a CreateTTLOp of a plain path and a bad TTL.
func TestAttackMultiChrootCreateTTLOp(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 30*time.Second)
	c, root := chrooted(t, []string{srv.Addr()})
	obs := connect(t)
	res, err := c.Multi(ctx,
		zk.CreateTTLOp("/ttl", []byte("x"), zk.PersistentWithTTL, open, time.Minute),
		zk.CheckOp("/ttl", 0),
	)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Path != "/ttl" {
		t.Errorf("created %q, want /ttl", res[0].Path)
	}
	if _, st, err := obs.Get(ctx, root+"/ttl"); err != nil || st.EphemeralOwner != 0 {
		t.Errorf("server side %s: %v %v", root+"/ttl", st, err)
	}
	for _, ttl := range []time.Duration{0, -time.Millisecond, time.Microsecond, (1 << 40) * time.Millisecond} {
		_, err := c.Multi(ctx, zk.CreateTTLOp("/ttl2", nil, zk.PersistentWithTTL, open, ttl))
		if !errors.Is(err, zk.ErrInvalidArgument) {
			t.Errorf("TTL %d: %v, want ErrInvalidArgument", ttl, err)
		}
	}
}

// A nil context is bad input: a clear error, never a panic.
func TestAttackProtectedCreateNilContext(t *testing.T) {
	t.Parallel()
	c := connect(t)
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("CreateProtected(nil ctx) panicked: %v", r)
		}
	}()
	//lint:ignore SA1012 a nil context is the input under test
	_, _, err := c.CreateProtected(nil, testPath(t)+"/x-", nil, zk.EphemeralSequential, open) //nolint:staticcheck
	if !errors.Is(err, zk.ErrInvalidArgument) {
		t.Fatalf("nil ctx: %v, want ErrInvalidArgument", err)
	}
}

// SessionEvents with a nil context: a closed channel or events, never a
// panic on a goroutine of the client (which no caller can recover).
func TestAttackSessionEventsNilContext(t *testing.T) {
	t.Parallel()
	c := connectTo(t, []string{srv.Addr()})
	//lint:ignore SA1012 a nil context is the input under test
	ch := c.SessionEvents(nil) //nolint:staticcheck
	c.Close()
	for range ch {
	}
}

// Many SessionEvents readers that read nothing until Close returns, with
// the server expiring the session while Close runs: every reader's channel
// ends, and its last event is the session's end (Expired or Closed).
func TestAttackSessionEventsCloseRacesExpiry(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, time.Minute)
	for round := 0; round < 3; round++ {
		c, err := zk.Connect(ctx, []string{srv.Addr()})
		if err != nil {
			t.Fatal(err)
		}
		var chans []<-chan zk.SessionEvent
		for i := 0; i < 50; i++ {
			chans = append(chans, c.SessionEvents(ctx))
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword())
		}()
		time.Sleep(time.Duration(round) * 20 * time.Millisecond)
		closed := make(chan struct{})
		go func() { c.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("Close hangs with 50 readers not reading")
		}
		wg.Wait()
		for i, ch := range chans {
			var last zk.SessionEvent
			n := 0
			timeout := time.After(5 * time.Second)
		drain:
			for {
				select {
				case ev, ok := <-ch:
					if !ok {
						break drain
					}
					last, n = ev, n+1
				case <-timeout:
					t.Fatalf("round %d reader %d: channel not closed after Close", round, i)
				}
			}
			if n == 0 || (last.State != zk.StateClosed && last.State != zk.StateExpired) {
				t.Fatalf("round %d reader %d: %d events, last %v; want the session's end last", round, i, n, last.State)
			}
		}
	}
}

// EnsurePath under a chroot whose node (and its parent) does not exist
// yet: the chroot's nodes are ancestors of the path on the server, so
// they are made too, as Curator makes its namespace.
func TestAttackEnsurePathMissingChroot(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 30*time.Second)
	obs := connect(t)
	root := testPath(t) + "/app/ns"
	c := connectTo(t, []string{srv.Addr()}, zk.WithChroot(root))
	if err := c.EnsurePath(ctx, "/x/y", nil); err != nil {
		t.Fatalf("EnsurePath under a missing chroot: %v", err)
	}
	if ok, _, err := obs.Exists(ctx, root+"/x/y"); err != nil || !ok {
		t.Fatalf("%s/x/y: %v %v", root, ok, err)
	}
	if err := c.EnsurePath(ctx, "/x/y", nil); err != nil {
		t.Fatalf("EnsurePath again: %v", err)
	}
}

// A protected create given up on while in flight, with the session
// expired right after and a new session made: no node of either session
// is left, and the next protected create works on the new session.
func TestAttackProtectedCreateThenExpiry(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, time.Minute)
	px := startProxy(t, srv.Addr())
	c, root := chrooted(t, []string{px.Addr()}, zk.WithNewSessionOnExpiry())
	obs := connect(t)
	mustCreate(t, c, "/locks", nil)
	old, pw := c.SessionID(), c.SessionPassword()
	px.SetLatency(300 * time.Millisecond)
	short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel()
	if _, _, err := c.CreateProtected(short, "/locks/l-", nil, zk.EphemeralSequential, open); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the context's error, got %v", err)
	}
	if err := zktest.ExpireSession(ctx, srv.Addr(), old, pw); err != nil {
		t.Fatal(err)
	}
	px.SetLatency(0)
	eventually(t, 20*time.Second, func() error {
		if c.SessionID() == old || c.State() != zk.StateConnected {
			return fmt.Errorf("no new session yet (%v)", c.State())
		}
		return nil
	})
	p, _, err := c.CreateProtected(ctx, "/locks/l-", nil, zk.EphemeralSequential, open)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, func() error {
		kids, _, err := obs.Children(ctx, root+"/locks")
		if err != nil || len(kids) != 1 || "/locks/"+kids[0] != p {
			return fmt.Errorf("children %v (%v), want only %s", kids, err, p)
		}
		return nil
	})
}
