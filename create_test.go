package zk_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// TestSequentialRootStaysInChroot: a sequential create of "/" under a
// chroot makes the node inside the chroot (/X/0000000001), never beside it
// at the server root (/X0000000001), through Create and through Multi,
// persistent and ephemeral alike.
func TestSequentialRootStaysInChroot(t *testing.T) {
	ctx := ctxFor(t, 30*time.Second)
	root := connect(t)
	chroot := testPath(t)
	mustCreate(t, root, chroot, nil)
	c := connect(t, zk.WithChroot(chroot))

	var made []string
	p, err := c.Create(ctx, "/", nil, zk.PersistentSequential, open)
	if err != nil {
		t.Fatalf("Create(/, PersistentSequential): %v", err)
	}
	made = append(made, p)
	p, err = c.Create(ctx, "/", nil, zk.EphemeralSequential, open)
	if err != nil {
		t.Fatalf("Create(/, EphemeralSequential): %v", err)
	}
	made = append(made, p)
	res, err := c.Multi(ctx, zk.CreateOp("/", nil, zk.PersistentSequential, open), zk.CreateOp("/", nil, zk.EphemeralSequential, open))
	if err != nil {
		t.Fatalf("Multi(CreateOp(/, sequential)): %v", err)
	}
	for _, r := range res {
		made = append(made, r.Path)
	}

	top, _, err := root.Children(ctx, "/")
	if err != nil {
		t.Fatal(err)
	}
	base := chroot[1:]
	for _, name := range top {
		if name != base && strings.HasPrefix(name, base) {
			t.Errorf("node /%s made at the server root, outside the chroot %s", name, chroot)
			root.Delete(ctx, "/"+name, -1)
		}
	}
	for _, p := range made {
		if len(p) != len("/0000000000") || strings.Trim(p[1:], "0123456789") != "" {
			t.Errorf("returned path %q, want /<10 digits> inside the chroot", p)
			continue
		}
		if ok, _, err := root.Exists(ctx, chroot+p); err != nil || !ok {
			t.Errorf("%s: not at %s (exists=%v, %v)", p, chroot+p, ok, err)
		}
	}
}

// TestTTLValidationShared: CreateTTLOp refuses a non-TTL mode as CreateTTL
// does (instead of silently making a plain node), both refuse a TTL out of
// range alike, and CreateOp with a TTL mode says to use CreateTTLOp.
func TestTTLValidationShared(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)

	cases := []struct {
		name string
		mode zk.CreateMode
		ttl  time.Duration
	}{
		{"plain mode", zk.Persistent, time.Second},
		{"sequential plain mode", zk.PersistentSequential, time.Second},
		{"ephemeral", zk.Ephemeral, time.Second},
		{"zero TTL", zk.PersistentWithTTL, 0},
		{"negative TTL", zk.PersistentWithTTL, -time.Second},
		{"TTL too big", zk.PersistentWithTTL, (1 << 40) * time.Millisecond},
	}
	for _, tc := range cases {
		_, _, errTTL := c.CreateTTL(ctx, p+"/n", nil, tc.mode, open, tc.ttl)
		_, errOp := c.Multi(ctx, zk.CreateTTLOp(p+"/n", nil, tc.mode, open, tc.ttl))
		if !errors.Is(errTTL, zk.ErrInvalidArgument) || !errors.Is(errOp, zk.ErrInvalidArgument) {
			t.Errorf("%s: CreateTTL: %v; CreateTTLOp: %v; want ErrInvalidArgument from both", tc.name, errTTL, errOp)
			continue
		}
		// Same reason in both.
		if reason(errTTL) != reason(errOp) {
			t.Errorf("%s: CreateTTL says %q, CreateTTLOp says %q", tc.name, reason(errTTL), reason(errOp))
		}
	}
	if ok, _, _ := c.Exists(ctx, p+"/n"); ok {
		t.Errorf("%s/n was created by a refused call", p)
	}

	_, err := c.Multi(ctx, zk.CreateOp(p+"/n", nil, zk.PersistentWithTTL, open))
	if !errors.Is(err, zk.ErrInvalidArgument) || !strings.Contains(err.Error(), "CreateTTLOp") {
		t.Errorf("CreateOp with a TTL mode: %v; want ErrInvalidArgument naming CreateTTLOp", err)
	}
	_, err = c.Create(ctx, p+"/n", nil, zk.PersistentWithTTL, open)
	if !errors.Is(err, zk.ErrInvalidArgument) || !strings.Contains(err.Error(), "CreateTTL") {
		t.Errorf("Create with a TTL mode: %v; want ErrInvalidArgument naming CreateTTL", err)
	}

	// The valid case still works through both.
	if _, _, err := c.CreateTTL(ctx, p+"/a", nil, zk.PersistentWithTTL, open, time.Minute); err != nil {
		t.Fatalf("CreateTTL: %v", err)
	}
	res, err := c.Multi(ctx, zk.CreateTTLOp(p+"/b", nil, zk.PersistentSequentialWithTTL, open, time.Minute))
	if err != nil || !strings.HasPrefix(res[0].Path, p+"/b") {
		t.Fatalf("CreateTTLOp: %v %v", res, err)
	}
}

// reason is the text after the last ": " of err, the validation message
// without the operation and path around it.
func reason(err error) string {
	s := err.Error()
	return s[strings.LastIndex(s, ": ")+2:]
}

// protectedCase is one mode of CreateProtected, with or without a chroot.
type protectedCase struct {
	name   string
	mode   zk.CreateMode
	chroot bool
}

// protectedSetup makes root+"/locks" and returns a client through a proxy
// (chrooted at root if asked), an observer, the proxy, root, and the
// directory as the client names it.
func protectedSetup(t *testing.T, chroot bool) (c, obs *zk.Client, px *zktest.Proxy, root, dir string) {
	t.Helper()
	obs = connect(t)
	root = testPath(t)
	mustCreate(t, obs, root, nil)
	mustCreate(t, obs, root+"/locks", nil)
	px = startProxy(t, srv.Addr())
	dir = root + "/locks"
	var opts []zk.Option
	if chroot {
		dir = "/locks"
		opts = append(opts, zk.WithChroot(root))
	}
	return connectTo(t, []string{px.Addr()}, opts...), obs, px, root, dir
}

// TestProtectedCreateLeavesNoOrphan: when CreateProtected gives up
// because its context ended after the request was sent, the node the
// server makes anyway must not outlive the call: nobody knows its name,
// and it would live as long as the session (ephemeral) or for ever
// (persistent). Under a chroot it is found and deleted through the chroot.
func TestProtectedCreateLeavesNoOrphan(t *testing.T) {
	for _, tc := range []protectedCase{
		{"ephemeralSequential", zk.EphemeralSequential, false},
		{"ephemeralSequentialChroot", zk.EphemeralSequential, true},
		{"persistent", zk.Persistent, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t, time.Minute)
			c, obs, px, root, dir := protectedSetup(t, tc.chroot)
			// Requests reach the server 300 ms after they are sent, replies
			// come back 300 ms later: a call that gives up after 150 ms has
			// sent its request, which the server then applies.
			px.SetLatency(300 * time.Millisecond)
			short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
			defer cancel()
			p, _, err := c.CreateProtected(short, dir+"/lock-", nil, tc.mode, open)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("CreateProtected = %q, %v; want the context's error", p, err)
			}
			// The server made the node...
			eventually(t, 10*time.Second, func() error {
				kids, _, err := obs.Children(ctx, root+"/locks")
				if err != nil || len(kids) == 0 {
					return fmt.Errorf("the create never reached the server: %v %v", kids, err)
				}
				return nil
			})
			// ...and it goes away while c's session lives.
			eventually(t, 15*time.Second, func() error {
				kids, _, err := obs.Children(ctx, root+"/locks")
				if err != nil || len(kids) != 0 {
					return fmt.Errorf("orphaned protected node(s) %v (%v) of a live session", kids, err)
				}
				return nil
			})
			if c.State() != zk.StateConnected {
				t.Fatalf("the creating client is %v: the node may have gone with its session instead", c.State())
			}
		})
	}
}

// TestProtectedCreateFoundAfterCut: the server applies the create, its
// reply is lost and the connection is cut. CreateProtected must find its
// node by the UUID once reconnected and return it with its Stat, not make
// a second one; under a chroot too, every mode it takes.
func TestProtectedCreateFoundAfterCut(t *testing.T) {
	for _, tc := range []protectedCase{
		{"ephemeralSequential", zk.EphemeralSequential, false},
		{"ephemeralSequentialChroot", zk.EphemeralSequential, true},
		{"persistentSequentialChroot", zk.PersistentSequential, true},
		{"ephemeralChroot", zk.Ephemeral, true},
		{"persistent", zk.Persistent, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t, time.Minute)
			c, obs, px, root, dir := protectedSetup(t, tc.chroot)
			prefix := ""
			if tc.chroot {
				prefix = root
			}

			px.DropDirection(false, true) // requests arrive, replies vanish
			type result struct {
				p   string
				st  *zk.Stat
				err error
			}
			done := make(chan result, 1)
			go func() {
				p, st, err := c.CreateProtected(ctx, dir+"/lock-", []byte("d"), tc.mode, open)
				done <- result{p, st, err}
			}()
			eventually(t, 20*time.Second, func() error {
				kids, _, err := obs.Children(ctx, root+"/locks")
				if err != nil || len(kids) == 0 {
					return fmt.Errorf("the create never reached the server: %v %v", kids, err)
				}
				return nil
			})
			px.DropDirection(false, false)
			px.Cut()
			var r result
			select {
			case r = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("CreateProtected did not return after the reconnect")
			}
			if r.err != nil {
				t.Fatalf("CreateProtected after a lost reply: %v", r.err)
			}
			kids, _, err := obs.Children(ctx, root+"/locks")
			if err != nil {
				t.Fatal(err)
			}
			if len(kids) != 1 || dir+"/"+kids[0] != r.p {
				t.Fatalf("children %v, returned %q: want exactly the node returned", kids, r.p)
			}
			if !strings.HasPrefix(kids[0], zk.ProtectedPrefix) || !strings.Contains(kids[0], "-lock-") {
				t.Errorf("name %q is not protected", kids[0])
			}
			_, st, err := obs.Exists(ctx, prefix+r.p)
			if err != nil || r.st == nil || r.st.Czxid != st.Czxid || r.st.DataLength != 1 {
				t.Fatalf("returned Stat %+v, the node's %+v (%v)", r.st, st, err)
			}
			want := int64(0)
			if tc.mode.IsEphemeral() {
				want = c.SessionID()
			}
			if st.EphemeralOwner != want {
				t.Errorf("owner %#x, want %#x", st.EphemeralOwner, want)
			}
		})
	}
}

// TestProtectedCreateBadInput: bad input fails before anything is sent,
// with ErrInvalidPath, ErrInvalidArgument or ErrPacketTooLarge, and makes
// no node.
func TestProtectedCreateBadInput(t *testing.T) {
	ctx := ctxFor(t, 30*time.Second)
	c := connect(t)
	dir := testPath(t)
	mustCreate(t, c, dir, nil)
	big := make([]byte, 2<<20)
	cases := []struct {
		name string
		path string
		data []byte
		mode zk.CreateMode
		acl  []zk.ACL
		want error
	}{
		{"empty path", "", nil, zk.EphemeralSequential, open, zk.ErrInvalidPath},
		{"relative path", "x-", nil, zk.EphemeralSequential, open, zk.ErrInvalidPath},
		{"trailing slash", dir + "/", nil, zk.Persistent, open, zk.ErrInvalidPath},
		{"root", "/", nil, zk.Persistent, open, zk.ErrInvalidArgument},
		{"container", dir + "/c", nil, zk.Container, open, zk.ErrInvalidArgument},
		{"ttl", dir + "/t", nil, zk.PersistentWithTTL, open, zk.ErrInvalidArgument},
		{"unknown mode", dir + "/u", nil, zk.CreateMode(99), open, zk.ErrInvalidArgument},
		{"no acl", dir + "/a", nil, zk.Persistent, nil, zk.ErrInvalidArgument},
		{"oversized data", dir + "/big-", big, zk.PersistentSequential, open, zk.ErrPacketTooLarge},
	}
	for _, tc := range cases {
		p, st, err := c.CreateProtected(ctx, tc.path, tc.data, tc.mode, tc.acl)
		if !errors.Is(err, tc.want) || p != "" || st != nil {
			t.Errorf("%s: %q %v %v, want %v", tc.name, p, st, err, tc.want)
		}
		if errors.Is(err, zk.ErrPacketTooLarge) && !zk.SafeToRetry(err) {
			t.Errorf("%s: %v not safe to retry, though nothing was sent", tc.name, err)
		}
	}
	//lint:ignore SA1012 a nil context is the input under test
	if _, _, err := c.CreateProtected(nil, dir+"/n-", nil, zk.EphemeralSequential, open); !errors.Is(err, zk.ErrInvalidArgument) { //nolint:staticcheck
		t.Errorf("nil context: %v, want ErrInvalidArgument", err)
	}
	if kids, _, err := c.Children(ctx, dir); err != nil || len(kids) != 0 {
		t.Errorf("children after refused calls: %v %v", kids, err)
	}
}
