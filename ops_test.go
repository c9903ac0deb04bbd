package zk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
)

func TestCreateGetSetDelete(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 20*time.Second)
	p := testPath(t)

	got, err := c.Create(ctx, p, []byte("v1"), zk.Persistent, open)
	if err != nil || got != p {
		t.Fatalf("Create = %q, %v", got, err)
	}
	data, stat, err := c.Get(ctx, p)
	if err != nil || string(data) != "v1" || stat.Version != 0 || stat.DataLength != 2 {
		t.Fatalf("Get = %q %+v %v", data, stat, err)
	}
	st, err := c.Set(ctx, p, []byte("v2"), 0)
	if err != nil || st.Version != 1 {
		t.Fatalf("Set = %+v %v", st, err)
	}
	if _, err := c.Set(ctx, p, []byte("v3"), 0); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("stale Set: %v, want ErrBadVersion", err)
	}
	var opErr *zk.OpError
	if _, err := c.Set(ctx, p, nil, 0); !errors.As(err, &opErr) || opErr.Op != "set" || opErr.Path != p {
		t.Fatalf("error %v does not name op and path", err)
	}
	ok, st, err := c.Exists(ctx, p)
	if err != nil || !ok || st.Version != 1 {
		t.Fatalf("Exists = %v %+v %v", ok, st, err)
	}
	if err := c.Delete(ctx, p, 0); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("Delete with stale version: %v", err)
	}
	if err := c.Delete(ctx, p, 1); err != nil {
		t.Fatal(err)
	}
	ok, st, err = c.Exists(ctx, p)
	if err != nil || ok || st != nil {
		t.Fatalf("Exists after delete = %v %v %v", ok, st, err)
	}
	if _, _, err := c.Get(ctx, p); !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("Get deleted: %v", err)
	}
	if err := c.Delete(ctx, p, -1); !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("Delete deleted: %v", err)
	}
}

func TestNullAndEmptyData(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	data, _, err := c.Get(ctx, p)
	if err != nil || data != nil {
		t.Fatalf("null data read back as %#v, %v", data, err)
	}
	if _, err := c.Set(ctx, p, []byte{}, -1); err != nil {
		t.Fatal(err)
	}
	data, _, err = c.Get(ctx, p)
	if err != nil || data == nil || len(data) != 0 {
		t.Fatalf("empty data read back as %#v, %v", data, err)
	}
}

func TestCreateErrors(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	if _, err := c.Create(ctx, p, nil, zk.Persistent, open); !errors.Is(err, zk.ErrNodeExists) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := c.Create(ctx, p+"/missing/child", nil, zk.Persistent, open); !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("missing parent: %v", err)
	}
	eph := p + "/eph"
	if _, err := c.Create(ctx, eph, nil, zk.Ephemeral, open); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, eph+"/child", nil, zk.Persistent, open); !errors.Is(err, zk.ErrNoChildrenForEphemerals) {
		t.Fatalf("child of ephemeral: %v", err)
	}
	mustCreate(t, c, p+"/full", nil)
	mustCreate(t, c, p+"/full/x", nil)
	if err := c.Delete(ctx, p+"/full", -1); !errors.Is(err, zk.ErrNotEmpty) {
		t.Fatalf("delete non-empty: %v", err)
	}
}

func TestSequentialAndEphemeral(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	a, err := c.Create(ctx, p+"/job-", nil, zk.PersistentSequential, open)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Create(ctx, p+"/", nil, zk.PersistentSequential, open)
	if err != nil {
		t.Fatal(err)
	}
	if a != p+"/job-0000000000" || b != p+"/0000000001" {
		t.Fatalf("sequential names %q %q", a, b)
	}
	e, stat, err := c.CreateWithStat(ctx, p+"/e-", []byte("x"), zk.EphemeralSequential, open)
	if err != nil || stat.EphemeralOwner != c.SessionID() || !strings.HasPrefix(e, p+"/e-") {
		t.Fatalf("ephemeral sequential %q %+v %v", e, stat, err)
	}
	eph, err := c.Ephemerals(ctx, p)
	if err != nil || !slices.Equal(eph, []string{e}) {
		t.Fatalf("Ephemerals = %v %v", eph, err)
	}
	n, err := c.AllChildrenNumber(ctx, p)
	if err != nil || n != 3 {
		t.Fatalf("AllChildrenNumber = %d %v", n, err)
	}
	kids, st, err := c.Children(ctx, p)
	slices.Sort(kids)
	if err != nil || len(kids) != 3 || st.NumChildren != 3 {
		t.Fatalf("Children = %v %+v %v", kids, st, err)
	}
	// Ephemerals go with the session.
	c.Close()
	c2 := connect(t)
	if ok, _, err := c2.Exists(ctx, e); err != nil || ok {
		t.Fatalf("ephemeral survived Close: %v %v", ok, err)
	}
}

func TestProtectedEphemeralSequential(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	got, _, err := c.CreateProtected(ctx, p+"/lock-", nil, zk.EphemeralSequential, open)
	if err != nil {
		t.Fatal(err)
	}
	name := got[len(p)+1:]
	if !strings.HasPrefix(name, zk.ProtectedPrefix) || !strings.HasSuffix(name, "-lock-0000000000") || len(name) != len("_c_")+36+len("-lock-0000000000") {
		t.Fatalf("protected name %q", name)
	}
}

func TestTTLAndContainer(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	ttlPath, stat, err := c.CreateTTL(ctx, p+"/ttl", nil, zk.PersistentWithTTL, open, 500*time.Millisecond)
	if err != nil || ttlPath != p+"/ttl" || stat.EphemeralOwner != 0 {
		t.Fatalf("CreateTTL %q %+v %v", ttlPath, stat, err)
	}
	if _, _, err := c.CreateTTL(ctx, p+"/bad", nil, zk.Persistent, open, time.Second); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Fatalf("TTL with a plain mode: %v", err)
	}
	if _, err := c.Create(ctx, p+"/bad", nil, zk.PersistentWithTTL, open); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Fatalf("Create with a TTL mode: %v", err)
	}
	cont, _, err := c.CreateContainer(ctx, p+"/cont", nil, open)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, c, cont+"/child", nil)
	if err := c.Delete(ctx, cont+"/child", -1); err != nil {
		t.Fatal(err)
	}
	// The test server reaps every second: both nodes go away by themselves.
	eventually(t, 20*time.Second, func() error {
		for _, q := range []string{ttlPath, cont} {
			if ok, _, err := c.Exists(ctx, q); err != nil || ok {
				return errors.New(q + " still there")
			}
		}
		return nil
	})
}

func TestACLAndAuth(t *testing.T) {
	owner := connect(t, zk.WithAuth("digest", []byte("alice:secret")))
	other := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	p := testPath(t)
	if _, err := owner.Create(ctx, p, []byte("private"), zk.Persistent, zk.DigestACL(zk.PermAll, "alice", "secret")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Get(ctx, p); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("read without auth: %v, want ErrNoAuth", err)
	}
	if _, _, err := owner.Get(ctx, p); err != nil {
		t.Fatalf("owner read: %v", err)
	}
	acl, _, err := owner.GetACL(ctx, p)
	want := zk.DigestACL(zk.PermAll, "alice", "secret")
	if err != nil || len(acl) != 1 || acl[0] != want[0] {
		t.Fatalf("GetACL = %+v %v, want %+v", acl, err, want)
	}
	if err := other.AddAuth(ctx, "digest", []byte("alice:secret")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Get(ctx, p); err != nil {
		t.Fatalf("read after AddAuth: %v", err)
	}
	who, err := other.WhoAmI(ctx)
	if err != nil || !slices.ContainsFunc(who, func(ci zk.ClientInfo) bool { return ci.AuthScheme == "digest" && ci.User == "alice" }) {
		t.Fatalf("WhoAmI = %+v %v", who, err)
	}
	if _, err := owner.SetACL(ctx, p, open, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.SetACL(ctx, p, open, 0); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("stale SetACL: %v", err)
	}
	if _, err := owner.SetACL(ctx, p, nil, -1); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Fatalf("empty ACL: %v", err)
	}
	// An unknown scheme is refused; the session survives it.
	if err := other.AddAuth(ctx, "nosuchscheme", []byte("x")); !errors.Is(err, zk.ErrAuthFailed) {
		t.Fatalf("unknown scheme: %v", err)
	}
	eventually(t, 20*time.Second, func() error {
		_, _, err := other.Get(ctx, p)
		return err
	})
}

func TestSync(t *testing.T) {
	c := connect(t)
	if err := c.Sync(ctxFor(t, 10*time.Second), "/"); err != nil {
		t.Fatal(err)
	}
}

func TestMulti(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	p := testPath(t)
	res, err := c.Multi(ctx,
		zk.CreateOp(p, []byte("a"), zk.Persistent, open),
		zk.CreateOp(p+"/s-", nil, zk.PersistentSequential, open),
		zk.SetOp(p, []byte("b"), 0),
		zk.CheckOp(p, 1),
	)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Path != p || res[1].Path != p+"/s-0000000000" || res[2].Stat == nil || res[2].Stat.Version != 1 {
		t.Fatalf("results %+v", res)
	}
	// A failing op rolls back the whole transaction and is named.
	res, err = c.Multi(ctx,
		zk.SetOp(p, []byte("c"), -1),
		zk.CreateOp(p+"/x", nil, zk.Persistent, open),
		zk.CreateOp(p, nil, zk.Persistent, open), // exists
		zk.DeleteOp(p+"/s-0000000000", -1),
	)
	var me *zk.MultiError
	if !errors.As(err, &me) || me.Index != 2 || me.Path != p || !errors.Is(err, zk.ErrNodeExists) {
		t.Fatalf("err = %v, want MultiError at op 2 with NodeExists", err)
	}
	if res[0].Err != nil || !errors.Is(res[3].Err, zk.ErrRuntimeInconsistency) {
		t.Fatalf("results %+v", res)
	}
	data, _, _ := c.Get(ctx, p)
	if ok, _, _ := c.Exists(ctx, p+"/x"); ok || string(data) != "b" {
		t.Fatalf("rolled-back multi left effects: data %q, /x exists %v", data, ok)
	}
	reads, err := c.MultiRead(ctx, zk.GetOp(p), zk.ChildrenOp(p), zk.GetOp(p+"/nope"))
	if err != nil {
		t.Fatal(err)
	}
	if string(reads[0].Data) != "b" || !slices.Equal(reads[1].Children, []string{"s-0000000000"}) || !errors.Is(reads[2].Err, zk.ErrNoNode) {
		t.Fatalf("MultiRead = %+v", reads)
	}
}

func TestChroot(t *testing.T) {
	root := testPath(t)
	admin := connect(t)
	ctx := ctxFor(t, 10*time.Second)
	mustCreate(t, admin, root, nil)
	c := connect(t, zk.WithChroot(root))
	p, err := c.Create(ctx, "/a", []byte("x"), zk.Persistent, open)
	if err != nil || p != "/a" {
		t.Fatalf("create under chroot = %q %v", p, err)
	}
	if data, _, err := admin.Get(ctx, root+"/a"); err != nil || string(data) != "x" {
		t.Fatalf("node not under the chroot: %q %v", data, err)
	}
	seqP, err := c.Create(ctx, "/a/s-", nil, zk.EphemeralSequential, open)
	if err != nil || seqP != "/a/s-0000000000" {
		t.Fatalf("sequential under chroot = %q %v", seqP, err)
	}
	eph, err := c.Ephemerals(ctx, "/")
	if err != nil || !slices.Equal(eph, []string{"/a/s-0000000000"}) {
		t.Fatalf("Ephemerals under chroot = %v %v", eph, err)
	}
	res, err := c.Multi(ctx, zk.CreateOp("/b", nil, zk.Persistent, open))
	if err != nil || res[0].Path != "/b" {
		t.Fatalf("multi under chroot %+v %v", res, err)
	}
	_, _, w, err := c.GetW(ctx, "/a")
	if err != nil {
		t.Fatal(err)
	}
	rw, err := c.AddWatch(ctx, "/", zk.WatchPersistentRecursive)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Set(ctx, root+"/a", []byte("y"), -1); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, w, 10*time.Second); ev.Path != "/a" || ev.Type != zk.EventNodeDataChanged {
		t.Fatalf("event %v, want path relative to the chroot", ev)
	}
	if ev := nextEvent(t, rw, 10*time.Second); ev.Path != "/a" {
		t.Fatalf("recursive event %v", ev)
	}
	if err := admin.Delete(ctx, root+"/b", -1); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, rw, 10*time.Second); ev.Path != "/b" || ev.Type != zk.EventNodeDeleted {
		t.Fatalf("recursive event %v", ev)
	}
}

func TestBadInputSendsNothing(t *testing.T) {
	c := connect(t, zk.WithMaxPacketSize(64*1024))
	ctx := ctxFor(t, 10*time.Second)
	p := testPath(t)
	for _, bad := range []string{"", "rel", "/a/", "/a//b", "/a/./b", "/a/../b", "/a\x00b", "/a\x01", "/😀"} {
		if _, err := c.Create(ctx, bad, nil, zk.Persistent, open); !errors.Is(err, zk.ErrInvalidPath) {
			t.Errorf("Create(%q) = %v, want ErrInvalidPath", bad, err)
		}
		if _, _, err := c.Get(ctx, bad); !errors.Is(err, zk.ErrInvalidPath) {
			t.Errorf("Get(%q) = %v, want ErrInvalidPath", bad, err)
		}
	}
	if _, err := c.Create(ctx, p, make([]byte, 65*1024), zk.Persistent, open); !errors.Is(err, zk.ErrPacketTooLarge) {
		t.Fatalf("oversize data: %v, want ErrPacketTooLarge", err)
	}
	if _, err := c.Create(ctx, p, nil, zk.Persistent, nil); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Fatalf("nil ACL: %v", err)
	}
	if _, err := c.Create(ctx, p, nil, zk.CreateMode(42), open); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Fatalf("bad mode: %v", err)
	}
	//lint:ignore SA1012 testing the nil-context check
	if _, err := c.Create(nil, p, nil, zk.Persistent, open); !errors.Is(err, zk.ErrInvalidArgument) { //nolint:staticcheck
		t.Fatalf("nil ctx: %v", err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Create(cancelled, p, nil, zk.Persistent, open); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
	// None of these reached the server.
	if ok, _, err := c.Exists(ctx, p); err != nil || ok {
		t.Fatalf("a rejected create reached the server: %v %v", ok, err)
	}
	// The connection is unharmed.
	mustCreate(t, c, p, bytes.Repeat([]byte("x"), 1000))
}

// startCounter is a zk.Metrics that closes reached once target requests
// have been started (submitted to the connection).
type startCounter struct {
	mu      sync.Mutex
	n       int
	target  int
	reached chan struct{}
}

func (m *startCounter) expect(target int) <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n, m.target, m.reached = 0, target, make(chan struct{})
	return m.reached
}

func (m *startCounter) RequestStarted(string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	if m.reached != nil && m.n == m.target {
		close(m.reached)
	}
}
func (m *startCounter) RequestDone(string, time.Duration, error) {}
func (m *startCounter) Reconnected()                             {}
func (m *startCounter) SessionExpired()                          {}

// Calls cancelled after they were submitted, in flight (the proxy holds
// every byte) or still queued (the client is disconnected), return
// context.Canceled at once, and the calls submitted beside them complete
// normally on the same connection once the bytes flow again.
func TestCancelledCallDoesNotDisturbOthers(t *testing.T) {
	px := testenv.Proxy(t, srv.Addr())
	var mu sync.Mutex
	var states []zk.State
	m := &startCounter{}
	c := connectTo(t, []string{px.Addr()}, zk.WithMetrics(m), zk.WithStateListener(func(s zk.State) {
		mu.Lock()
		states = append(states, s)
		mu.Unlock()
	}))
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, []byte("data"))
	disconnects := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, s := range states {
			if s == zk.StateDisconnected {
				n++
			}
		}
		return n
	}

	// run submits n plain and n cancellable gets, waits until all are
	// submitted, cancels the cancellable ones, calls release, and checks
	// every outcome. It returns how many cancelled calls were safe to
	// retry (never sent).
	run := func(phase string, n int, release func()) (safe int) {
		t.Helper()
		reached := m.expect(2 * n)
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		plain, cancelled := make(chan error, n), make(chan error, n)
		for range n {
			go func() {
				data, _, err := c.Get(ctx, p)
				if err == nil && string(data) != "data" {
					err = fmt.Errorf("data %q", data)
				}
				plain <- err
			}()
			go func() {
				_, _, err := c.Get(cctx, p)
				cancelled <- err
			}()
		}
		select {
		case <-reached:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the calls were not all submitted", phase)
		}
		cancel()
		for range n {
			select {
			case err := <-cancelled:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("%s: cancelled call: %v, want context.Canceled", phase, err)
				}
				if zk.SafeToRetry(err) {
					safe++
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: a cancelled call did not return at once", phase)
			}
		}
		release()
		for range n {
			if err := <-plain; err != nil {
				t.Fatalf("%s: a call beside the cancelled ones: %v", phase, err)
			}
		}
		return safe
	}

	// In flight: the proxy holds the requests (briefly: well within the
	// read timeout), so nothing can be answered before the cancel.
	px.SetBlackhole(true)
	safe := run("in flight", 100, func() { px.SetBlackhole(false) })
	t.Logf("in flight: %d of 100 cancelled calls had not been sent", safe)
	if safe == 100 {
		t.Fatal("in flight: no cancelled call had been sent (the in-flight case was not reached)")
	}
	if d := disconnects(); d != 0 {
		t.Fatalf("in flight: %d disconnects", d)
	}

	// Queued: disconnected, so every call waits in the queue; the
	// cancelled ones are never sent.
	px.SetRefuse(true)
	px.Cut()
	eventually(t, 10*time.Second, func() error {
		if c.State() != zk.StateDisconnected {
			return fmt.Errorf("state %v", c.State())
		}
		return nil
	})
	safe = run("queued", 100, func() { px.SetRefuse(false) })
	if safe != 100 {
		t.Fatalf("queued: %d of 100 cancelled calls safe to retry; all were never sent", safe)
	}
	if d := disconnects(); d != 1 {
		t.Fatalf("%d disconnects, want the one forced", d)
	}
	if _, _, err := c.Get(ctx, p); err != nil {
		t.Fatal(err)
	}
}

func TestEnsurePath(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 20*time.Second)
	base := testPath(t)
	mustCreate(t, c, base, []byte("keep"))
	deep := base + "/a/b/c"
	if err := c.EnsurePath(ctx, deep, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{base + "/a", base + "/a/b", deep} {
		if ok, _, err := c.Exists(ctx, p); err != nil || !ok {
			t.Fatalf("%s after EnsurePath: exists=%v, %v", p, ok, err)
		}
	}
	// Existing nodes are left as they are, and a second call is a no-op.
	if err := c.EnsurePath(ctx, deep, nil); err != nil {
		t.Fatal(err)
	}
	if data, _, err := c.Get(ctx, base); err != nil || string(data) != "keep" {
		t.Fatalf("existing ancestor changed: %q, %v", data, err)
	}
	// Under an ephemeral node nothing can be created.
	eph := base + "/eph"
	if _, err := c.Create(ctx, eph, nil, zk.Ephemeral, open); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsurePath(ctx, eph+"/x", nil); !errors.Is(err, zk.ErrNoChildrenForEphemerals) {
		t.Fatalf("EnsurePath under an ephemeral: %v", err)
	}
	if err := c.EnsurePath(ctx, "no/slash", nil); !errors.Is(err, zk.ErrInvalidPath) {
		t.Fatalf("EnsurePath of a relative path: %v", err)
	}
}
