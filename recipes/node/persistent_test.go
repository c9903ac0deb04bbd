package node_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/recipes/node"
	"github.com/zkwire/zk/zktest"
)

var open = zk.WorldACL(zk.PermAll)

// nextCreated waits for the node's next (re)creation and returns its path.
func nextCreated(t *testing.T, p *node.Persistent, within time.Duration) string {
	t.Helper()
	select {
	case path := <-p.Created():
		return path
	case <-time.After(within):
		t.Fatalf("node not created within %v", within)
	}
	return ""
}

// checkNode checks, through another client, that path holds data and
// belongs to session owner (0: persistent).
func checkNode(t *testing.T, obs *zk.Client, path, data string, owner int64) {
	t.Helper()
	got, stat, err := obs.Get(ctxFor(t, 10*time.Second), path)
	if err != nil {
		t.Fatalf("get %s: %v", path, err)
	}
	if string(got) != data || stat.EphemeralOwner != owner {
		t.Fatalf("%s holds %q owned by %#x, want %q owned by %#x", path, got, stat.EphemeralOwner, data, owner)
	}
}

func startNode(t *testing.T, c node.Client, path, data string, mode zk.CreateMode, opts ...node.Option) *node.Persistent {
	t.Helper()
	p, err := node.New(c, path, []byte(data), mode, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ctxFor(t, 30*time.Second)); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

func TestPersistentEphemeralComesBackAfterExpiry(t *testing.T) {
	c := connect(t, "", zk.WithNewSessionOnExpiry())
	obs := connect(t, "")
	ctx := ctxFor(t, 90*time.Second)
	path := testPath(t) + "/a/member"
	p := startNode(t, c, path, "v1", zk.Ephemeral)
	if got := nextCreated(t, p, 10*time.Second); got != path {
		t.Fatalf("created %q, want %q", got, path)
	}
	checkNode(t, obs, path, "v1", c.SessionID())
	if err := p.SetData(ctx, []byte("v2")); err != nil {
		t.Fatal(err)
	}
	checkNode(t, obs, path, "v2", c.SessionID())

	old := c.SessionID()
	if err := zktest.ExpireSession(ctx, srv.Addr(), old, c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	if got := nextCreated(t, p, 60*time.Second); got != path {
		t.Fatalf("re-created %q, want %q", got, path)
	}
	if c.SessionID() == old {
		t.Fatal("session id unchanged after expiry")
	}
	checkNode(t, obs, path, "v2", c.SessionID())

	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := obs.Exists(ctx, path); err != nil || ok {
		t.Fatalf("after Close: exists=%v err=%v, want the node gone", ok, err)
	}
	if err := p.SetData(ctx, []byte("v3")); !errors.Is(err, node.ErrStopped) {
		t.Fatalf("SetData after Close = %v, want ErrStopped", err)
	}
}

func TestPersistentRecreatedAfterDelete(t *testing.T) {
	for _, mode := range []zk.CreateMode{zk.Persistent, zk.Ephemeral} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			c := connect(t, "")
			obs := connect(t, "")
			ctx := ctxFor(t, 60*time.Second)
			path := testPath(t)
			p := startNode(t, c, path, "kept", mode)
			nextCreated(t, p, 10*time.Second)
			owner := int64(0)
			if mode == zk.Ephemeral {
				owner = c.SessionID()
			}
			for i := range 3 {
				if err := obs.Delete(ctx, path, -1); err != nil {
					t.Fatalf("delete %d: %v", i, err)
				}
				nextCreated(t, p, 30*time.Second)
				checkNode(t, obs, path, "kept", owner)
			}
			// Someone else's data change is left alone; SetData wins.
			if _, err := obs.Set(ctx, path, []byte("theirs"), -1); err != nil {
				t.Fatal(err)
			}
			if err := p.SetData(ctx, []byte("mine")); err != nil {
				t.Fatal(err)
			}
			checkNode(t, obs, path, "mine", owner)
		})
	}
}

func TestPersistentSequentialPathUpdates(t *testing.T) {
	c := connect(t, "", zk.WithNewSessionOnExpiry())
	obs := connect(t, "")
	ctx := ctxFor(t, 90*time.Second)
	dir := testPath(t)
	p := startNode(t, c, dir+"/n-", "seq", zk.EphemeralSequential, node.WithProtection())
	first := nextCreated(t, p, 10*time.Second)
	if p.Path() != first {
		t.Fatalf("Path() = %q, Created gave %q", p.Path(), first)
	}
	checkNode(t, obs, first, "seq", c.SessionID())

	if err := obs.Delete(ctx, first, -1); err != nil {
		t.Fatal(err)
	}
	second := nextCreated(t, p, 30*time.Second)
	if second == first || p.Path() != second {
		t.Fatalf("after delete: created %q, Path %q; first was %q", second, p.Path(), first)
	}
	checkNode(t, obs, second, "seq", c.SessionID())

	if err := zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	third := nextCreated(t, p, 60*time.Second)
	if third == second {
		t.Fatalf("after expiry the path stayed %q", third)
	}
	checkNode(t, obs, third, "seq", c.SessionID())
	children, _, err := obs.Children(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(children) != 1 || dir+"/"+children[0] != third {
		t.Fatalf("children of %s = %v, want only %s", dir, children, third)
	}
}

// TestPersistentCreateReplyLost makes the server apply the first create but
// loses its reply: the node must be adopted, not made twice.
func TestPersistentCreateReplyLost(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode zk.CreateMode
		opts []node.Option
		path string
	}{
		{"ephemeral", zk.Ephemeral, nil, "/n"},
		{"protectedSequential", zk.EphemeralSequential, []node.Option{node.WithProtection()}, "/n-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			px, err := zktest.NewProxy(srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { px.Close() })
			c := connect(t, px.Addr())
			obs := connect(t, "")
			ctx := ctxFor(t, 90*time.Second)
			dir := testPath(t)
			if _, err := obs.Create(ctx, dir, nil, zk.Persistent, open); err != nil {
				t.Fatal(err)
			}
			p, err := node.New(c, dir+tc.path, []byte("d"), tc.mode, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close(context.Background()) })

			px.DropDirection(false, true) // requests arrive, replies vanish
			var wg sync.WaitGroup
			var startErr error
			wg.Add(1)
			go func() { defer wg.Done(); startErr = p.Start(ctx) }()
			eventually(t, 30*time.Second, func() error {
				children, _, err := obs.Children(ctx, dir)
				if err != nil || len(children) == 0 {
					return fmt.Errorf("children %v, %v", children, err)
				}
				return nil
			})
			px.SetRefuse(true)
			px.Cut()
			px.DropDirection(false, false)
			px.SetRefuse(false)
			wg.Wait()
			if startErr != nil {
				t.Fatalf("start: %v", startErr)
			}
			children, _, err := obs.Children(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(children) != 1 || dir+"/"+children[0] != p.Path() {
				t.Fatalf("children %v, Path %q: want exactly the kept node", children, p.Path())
			}
			checkNode(t, obs, p.Path(), "d", c.SessionID())
		})
	}
}

// TestPersistentSetDataAcrossCuts keeps changing the data while the proxy
// cuts every connection: every SetData returns only once its data is in.
func TestPersistentSetDataAcrossCuts(t *testing.T) {
	px := testenv.Proxy(t, srv.Addr())
	c := connect(t, px.Addr())
	obs := connect(t, "")
	ctx := ctxFor(t, 90*time.Second)
	path := testPath(t)
	p := startNode(t, c, path, "0", zk.Persistent)
	stopCuts := testenv.CutEvery(px, 30*time.Millisecond)
	for i := 1; i <= 20; i++ {
		if err := p.SetData(ctx, []byte(fmt.Sprint(i))); err != nil {
			stopCuts()
			t.Fatalf("SetData %d: %v", i, err)
		}
	}
	stopCuts()
	checkNode(t, obs, path, "20", 0)
}

func TestPersistentWaitsForForeignEphemeral(t *testing.T) {
	c := connect(t, "")
	other := connect(t, "")
	obs := connect(t, "")
	ctx := ctxFor(t, 60*time.Second)
	path := testPath(t)
	if _, err := other.Create(ctx, path, []byte("theirs"), zk.Ephemeral, open); err != nil {
		t.Fatal(err)
	}
	p, err := node.New(c, path, []byte("mine"), zk.Ephemeral)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	started := make(chan error, 1)
	go func() { started <- p.Start(ctx) }()
	select {
	case err := <-started:
		t.Fatalf("Start returned (%v) while another session holds the node", err)
	case <-time.After(500 * time.Millisecond):
	}
	checkNode(t, obs, path, "theirs", other.SessionID())
	other.Close()
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	checkNode(t, obs, path, "mine", c.SessionID())
}

func TestPersistentBadInput(t *testing.T) {
	c := connect(t, "")
	for _, tc := range []struct {
		path string
		mode zk.CreateMode
	}{
		{"relative", zk.Persistent},
		{"/", zk.Persistent},
		{"/a/", zk.Persistent},
		{"/a", zk.Container},
		{"/a", zk.PersistentWithTTL},
	} {
		if _, err := node.New(c, tc.path, nil, tc.mode); err == nil {
			t.Errorf("New(%q, %v) succeeded", tc.path, tc.mode)
		}
	}
	if _, err := node.New(c, "/a", nil, zk.Persistent, node.WithACL(nil)); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Errorf("empty ACL: %v", err)
	}
	p, err := node.New(c, testPath(t)+"/x", nil, zk.Persistent, node.WithACL([]zk.ACL{{Perms: zk.PermRead, ID: zk.Id{Scheme: "bogus", ID: "x"}}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ctxFor(t, 30*time.Second)); err == nil {
		t.Fatal("Start with an invalid ACL succeeded")
	}
}

// TestPersistentLostWithinSessionTimeout: an ephemeral node's keeper cut
// off from the server (a black hole) says the node is not known to be in
// place (Lost closes) no later than the session timeout after the client
// last heard from the server; when the partition heals it checks the node
// (here the session expired: it makes it again in the new session),
// announces it and Lost is open again.
func TestPersistentLostWithinSessionTimeout(t *testing.T) {
	ctx := ctxFor(t, 2*time.Minute)
	px := testenv.Proxy(t, srv.Addr())
	c := connect(t, px.Addr(), zk.WithSessionTimeout(4*time.Second), zk.WithNewSessionOnExpiry())
	timeout := c.SessionTimeout()
	obs := connect(t, "")
	path := testPath(t)
	p := startNode(t, c, path, "x", zk.Ephemeral)
	nextCreated(t, p, 10*time.Second)
	if isClosed(p.Lost()) {
		t.Fatal("Lost closed while the node is in place")
	}
	if _, _, err := c.Exists(ctx, path); err != nil { // contact now
		t.Fatal(err)
	}
	contact := time.Now()
	px.SetBlackhole(true)
	const slack = 2 * time.Second
	select {
	case <-p.Lost():
		t.Logf("Lost after %v (session timeout %v)", time.Since(contact).Round(10*time.Millisecond), timeout)
	case <-time.After(timeout + slack):
		px.SetBlackhole(false)
		t.Fatalf("Lost not closed %v after the last contact (session timeout %v)", timeout+slack, timeout)
	}
	px.SetBlackhole(false)
	nextCreated(t, p, 60*time.Second)
	if isClosed(p.Lost()) {
		t.Fatal("Lost still closed once the node is back")
	}
	checkNode(t, obs, path, "x", c.SessionID())
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestPersistentProtectedNotSequential: WithProtection on a plain
// ephemeral node creates it through zk.Client.CreateProtected: its name
// carries "_c_<uuid>-", and once deleted it is made again under a new id,
// reported by Created and Path, with no other node left beside it.
func TestPersistentProtectedNotSequential(t *testing.T) {
	c := connect(t, "")
	obs := connect(t, "")
	ctx := ctxFor(t, 60*time.Second)
	dir := testPath(t)
	if _, err := obs.Create(ctx, dir, nil, zk.Persistent, open); err != nil {
		t.Fatal(err)
	}
	p := startNode(t, c, dir+"/n", "d", zk.Ephemeral, node.WithProtection())
	first := nextCreated(t, p, 10*time.Second)
	if len(first) != len(dir)+len("/_c_")+36+len("-n") || first[:len(dir)+4] != dir+"/_c_" || first[len(first)-2:] != "-n" {
		t.Fatalf("path %q, want %s/_c_<uuid>-n", first, dir)
	}
	checkNode(t, obs, first, "d", c.SessionID())
	if err := obs.Delete(ctx, first, -1); err != nil {
		t.Fatal(err)
	}
	second := nextCreated(t, p, 30*time.Second)
	if second == first || p.Path() != second {
		t.Fatalf("re-created at %q (Path %q), want a new protected path", second, p.Path())
	}
	checkNode(t, obs, second, "d", c.SessionID())
	kids, _, err := obs.Children(ctx, dir)
	if err != nil || len(kids) != 1 || dir+"/"+kids[0] != second {
		t.Fatalf("children %v (%v), want only %s", kids, err, second)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if kids, _, err := obs.Children(ctx, dir); err != nil || len(kids) != 0 {
		t.Fatalf("children after Close: %v (%v)", kids, err)
	}
}
