package zk_test

// Tests modelled on how real programs use go-zookeeper, against a real
// server: each names the program whose usage it copies.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	upstream "github.com/go-zookeeper/zk"
	zk "github.com/zkwire/zk/gozk"
	"github.com/zkwire/zk/zktest"
)

var srv *zktest.Server

func TestMain(m *testing.M) {
	if err := zktest.Installed(); err != nil {
		fmt.Fprintln(os.Stderr, "gozk tests:", err)
		if os.Getenv("CI") != "" {
			os.Exit(1)
		}
		os.Exit(0)
	}
	s, err := zktest.StartServer(zktest.WithSessionTimeouts(time.Second, 30*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gozk tests:", err)
		os.Exit(1)
	}
	srv = s
	code := m.Run()
	s.Close()
	os.Exit(code)
}

// connect opens a compat Conn to addr, closed when the test ends.
func connect(t *testing.T, addr string, opts ...func(*zk.Conn)) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	c, ch, err := zk.Connect([]string{addr}, 4*time.Second,
		zk.WithLogInfo(false), zk.WithLogger(testLogger{t}),
		func(c *zk.Conn) { // option literals compile, as with go-zookeeper
			for _, o := range opts {
				o(c)
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, ch
}

type testLogger struct{ t *testing.T }

func (l testLogger) Printf(f string, a ...interface{}) { l.t.Logf(f, a...) }

// node returns a fresh path for the test.
func node(t *testing.T) string {
	return "/gozk-" + strings.ReplaceAll(t.Name(), "/", "-")
}

// waitState reads events until one is a session event in state s.
func waitState(t *testing.T, ch <-chan zk.Event, s zk.State, within time.Duration) zk.Event {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("event channel closed while waiting for %v", s)
			}
			if ev.Type == zk.EventSession && ev.State == s {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %v within %v", s, within)
		}
	}
}

// expire makes the server expire c's session.
func expire(t *testing.T, c *zk.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl := c.Client()
	if err := zktest.ExpireSession(ctx, srv.Addr(), cl.SessionID(), cl.SessionPassword()); err != nil {
		t.Fatal(err)
	}
}

// Vitess (go/vt/topo/zk2topo) closes its connection when it sees
// StateConnecting or StateExpired after the session is up, so Connecting
// must never come while connected: connection loss reads Disconnected,
// Connecting, Connected, HasSession.
func TestVitessSessionEventsNeverConnectingWhileConnected(t *testing.T) {
	px, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	c, ch := connect(t, px.Addr())

	var mu sync.Mutex
	var seen []zk.State
	sessions := make(chan struct{}, 16)
	done := make(chan error, 1)
	go func() {
		connected := false
		for ev := range ch {
			if ev.Type != zk.EventSession {
				continue
			}
			mu.Lock()
			seen = append(seen, ev.State)
			mu.Unlock()
			switch ev.State {
			case zk.StateHasSession:
				if ev.Server == "" {
					done <- errors.New("StateHasSession without Server")
					return
				}
				connected = true
				sessions <- struct{}{}
			case zk.StateDisconnected, zk.StateExpired:
				connected = false
			case zk.StateConnecting:
				if connected {
					done <- errors.New("StateConnecting while connected")
					return
				}
			}
		}
		done <- nil
	}()

	waitSession := func() {
		t.Helper()
		select {
		case <-sessions:
		case err := <-done:
			t.Fatal(err)
		case <-time.After(15 * time.Second):
			t.Fatal("no StateHasSession within 15s")
		}
	}
	waitSession()
	for i := 0; i < 3; i++ {
		px.Cut()
		waitSession()
	}
	if _, _, err := c.Get("/"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("event channel not closed by Close")
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("states: %v", seen)
	if seen[0] != zk.StateConnecting || seen[len(seen)-1] != zk.StateDisconnected {
		t.Fatalf("states %v: want Connecting first and Disconnected last", seen)
	}
}

// Prometheus' treecache (and Burrow) keep GetW and ChildrenW watches and
// treat EventNotWatching as "the session is gone, start over". After an
// expiry both watches end that way, the event also reaches the event
// channel, and the loop re-arms on the new session, which opens by itself.
func TestTreecacheWatchLoopAcrossExpiry(t *testing.T) {
	var cbMu sync.Mutex
	var cbEvents []zk.Event
	c, ch := connect(t, srv.Addr(), zk.WithEventCallback(func(ev zk.Event) {
		cbMu.Lock()
		cbEvents = append(cbEvents, ev)
		cbMu.Unlock()
	}))
	waitState(t, ch, zk.StateHasSession, 10*time.Second)
	p := node(t)
	if _, err := c.Create(p, []byte("v0"), zk.FlagPersistent, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	defer c.Delete(p, -1)
	before := c.SessionID()

	_, _, dataW, err := c.GetW(p)
	if err != nil {
		t.Fatal(err)
	}
	_, _, childW, err := c.ChildrenW(p)
	if err != nil {
		t.Fatal(err)
	}
	expire(t, c)
	for name, w := range map[string]<-chan zk.Event{"GetW": dataW, "ChildrenW": childW} {
		select {
		case ev := <-w:
			if ev.Type != zk.EventNotWatching || ev.Err != zk.ErrSessionExpired || ev.Path != p {
				t.Fatalf("%s: %+v, want EventNotWatching with ErrSessionExpired on %s", name, ev, p)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: no EventNotWatching after expiry", name)
		}
		if _, ok := <-w; ok {
			t.Fatalf("%s: channel not closed after its event", name)
		}
	}
	waitState(t, ch, zk.StateHasSession, 20*time.Second)
	if c.SessionID() == before || c.SessionID() == 0 {
		t.Fatalf("SessionID %x after expiry, was %x: want a new session", c.SessionID(), before)
	}
	// Re-arm, as treecache does, and see a change.
	_, _, dataW, err = c.GetW(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set(p, []byte("v1"), -1); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-dataW:
		if ev.Type != zk.EventNodeDataChanged || ev.Path != p || ev.Err != nil {
			t.Fatalf("got %+v, want EventNodeDataChanged on %s", ev, p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no data event after re-arming")
	}
	// Watch events reach the global callback too, in order after the
	// NotWatching ones.
	deadline := time.Now().Add(5 * time.Second)
	for {
		cbMu.Lock()
		var kinds []zk.EventType
		for _, ev := range cbEvents {
			if ev.Type != zk.EventSession {
				kinds = append(kinds, ev.Type)
			}
		}
		cbMu.Unlock()
		if len(kinds) == 3 && kinds[0] == zk.EventNotWatching && kinds[1] == zk.EventNotWatching &&
			kinds[2] == zk.EventNodeDataChanged {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("callback saw %v, want two EventNotWatching then EventNodeDataChanged", kinds)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Kratos' registry calls Exists and then Delete(path, stat.Version) even
// when the node is missing, so Exists must return a non-nil Stat; and it
// polls SessionID to notice a new session and register again.
func TestKratosExistsThenDeleteOnMissingNode(t *testing.T) {
	c, _ := connect(t, srv.Addr())
	p := node(t)
	ok, stat, err := c.Exists(p)
	if err != nil || ok {
		t.Fatalf("Exists(%s) = %v, %v; want false, nil", p, ok, err)
	}
	if stat == nil {
		t.Fatal("Exists on a missing node returned a nil *Stat")
	}
	if err := c.Delete(p, stat.Version); err != zk.ErrNoNode {
		t.Fatalf("Delete(missing, stat.Version) = %v, want ErrNoNode", err)
	}

	// Register an ephemeral node; after expiry SessionID changes and the
	// node can be registered again.
	if _, err := c.Create(p, nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	before := c.SessionID()
	expire(t, c)
	deadline := time.Now().Add(20 * time.Second)
	for c.SessionID() == before || c.SessionID() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("SessionID did not change after expiry")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := c.Create(p, nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("register again on the new session: %v", err)
	}
}

// gohbase calls Get right after Connect: the call waits for the session
// instead of failing.
func TestGohbaseGetRightAfterConnect(t *testing.T) {
	c, _, err := zk.Connect([]string{srv.Addr()}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, stat, err := c.Get("/"); err != nil || stat == nil {
		t.Fatalf("Get right after Connect: %v, %v", stat, err)
	}
	if c.State() != zk.StateHasSession {
		t.Fatalf("State() = %v after a reply, want StateHasSession", c.State())
	}
}

// Burrow (and Vitess) compare errors with ==.
func TestBurrowErrorsAreBareSentinels(t *testing.T) {
	c, _ := connect(t, srv.Addr())
	p := node(t)
	acl := zk.WorldACL(zk.PermAll)
	if _, _, err := c.Get(p); err != zk.ErrNoNode {
		t.Fatalf("Get(missing) = %v, want ErrNoNode", err)
	}
	if _, err := c.Create(p, nil, zk.FlagPersistent, acl); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(p, nil, zk.FlagPersistent, acl); err != zk.ErrNodeExists {
		t.Fatalf("Create(existing) = %v, want ErrNodeExists", err)
	}
	if _, err := c.Set(p, nil, 42); err != zk.ErrBadVersion {
		t.Fatalf("Set(wrong version) = %v, want ErrBadVersion", err)
	}
	if _, err := c.Create(p+"/child", nil, zk.FlagPersistent, acl); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(p, -1); err != zk.ErrNotEmpty {
		t.Fatalf("Delete(with children) = %v, want ErrNotEmpty", err)
	}
	if _, err := c.Multi(&zk.DeleteRequest{Path: p + "/child", Version: -1},
		&zk.CheckVersionRequest{Path: p, Version: 7}); err != zk.ErrBadVersion {
		t.Fatalf("Multi = %v, want the failing op's ErrBadVersion", err)
	}
	if _, err := c.Create("no-slash", nil, zk.FlagPersistent, acl); err != zk.ErrInvalidPath {
		t.Fatalf("Create(relative) = %v, want ErrInvalidPath", err)
	}
	c.Delete(p+"/child", -1)
	c.Delete(p, -1)
	c.Close()
	if _, _, err := c.Get("/"); err != zk.ErrConnectionClosed {
		t.Fatalf("Get after Close = %v, want ErrConnectionClosed", err)
	}
}

// With no server answering, calls fail fast with ErrNoServer, as in
// go-zookeeper, instead of waiting forever.
func TestNoServerFailsFast(t *testing.T) {
	px, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	px.SetRefuse(true)
	addr := px.Addr()
	defer px.Close()
	c, _ := connect(t, addr)
	start := time.Now()
	if _, _, err := c.Get("/"); err != zk.ErrNoServer {
		t.Fatalf("Get with no server = %v, want ErrNoServer", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("ErrNoServer after %v", d)
	}
	// Once the server answers again, calls work.
	px.SetRefuse(false)
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, _, err := c.Get("/")
		if err == nil {
			break
		}
		if err != zk.ErrNoServer || time.Now().After(deadline) {
			t.Fatalf("Get after the server came back: %v", err)
		}
	}
}

// A go-zookeeper Lock and this package's Lock on one path exclude each
// other, both ways, and a compat Lock that gives up leaves no node.
func TestLockInteropWithGoZookeeper(t *testing.T) {
	p := node(t)
	c, _ := connect(t, srv.Addr())
	uc, _, err := upstream.Connect([]string{srv.Addr()}, 10*time.Second, upstream.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	defer func() { c.Delete(p, -1) }()

	for _, upstreamFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("upstreamFirst=%v", upstreamFirst), func(t *testing.T) {
			ul := upstream.NewLock(uc, p, upstream.WorldACL(upstream.PermAll))
			cl := zk.NewLock(c, p, zk.WorldACL(zk.PermAll))
			var first, second interface {
				Lock() error
				Unlock() error
			} = ul, cl
			if !upstreamFirst {
				first, second = cl, ul
			}
			if err := first.Lock(); err != nil {
				t.Fatal(err)
			}
			if !upstreamFirst {
				// A compat Lock that waits and gives up removes its node.
				other := zk.NewLock(c, p, zk.WorldACL(zk.PermAll))
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				err := other.LockContext(ctx)
				cancel()
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("LockContext on a held lock = %v, want the deadline", err)
				}
				children, _, err := c.Children(p)
				if err != nil || len(children) != 1 {
					t.Fatalf("children after giving up: %v, %v; want only the holder's", children, err)
				}
			}
			var holding sync.Mutex // held by whoever holds the ZooKeeper lock
			holding.Lock()
			got := make(chan error, 1)
			go func() {
				err := second.Lock()
				if err == nil {
					if !holding.TryLock() {
						err = errors.New("second got the lock while the first held it")
					} else {
						holding.Unlock()
					}
				}
				got <- err
			}()
			select {
			case err := <-got:
				t.Fatalf("second Lock returned (%v) while the first held the lock", err)
			case <-time.After(500 * time.Millisecond):
			}
			holding.Unlock()
			if err := first.Unlock(); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-got:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("second Lock not acquired after the first unlocked")
			}
			if err := second.Unlock(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The event channel never blocks the connection: nobody reads it, the
// session goes through many changes, calls keep working, and the channel
// holds the latest events (the oldest were dropped).
func TestEventChannelDropsOldest(t *testing.T) {
	px, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	c, ch := connect(t, px.Addr())
	get := func() { // a call racing with a cut may fail; the next works
		t.Helper()
		for i := 0; ; i++ {
			_, _, err := c.Get("/")
			if err == nil {
				return
			}
			if err != zk.ErrConnectionClosed || i == 100 {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < 5; i++ {
		get()
		px.Cut()
	}
	get()
	// Nobody has read the channel through 5 reconnects (over 20 events).
	// It holds the latest ones: reading on, the last event is the current
	// state, StateHasSession. Had the newest been dropped, the channel
	// would hold the first 6 and then nothing more.
	var got []zk.State
	for {
		select {
		case ev := <-ch:
			got = append(got, ev.State)
			if ev.State == zk.StateHasSession && len(ch) == 0 && c.State() == zk.StateHasSession {
				if len(got) > cap(ch)+3 {
					t.Fatalf("read %d events (%v), want at most the channel's %d plus the last few", len(got), got, cap(ch))
				}
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("events %v: the latest state, StateHasSession, never came", got)
		}
	}
}

// FLWSrvr parses a 3.8 server's answer (go-zookeeper v1.0.4's regex does
// not accept its "built on" date).
func TestFLWSrvrParsesServer38(t *testing.T) {
	stats, ok := zk.FLWSrvr([]string{srv.Addr()}, 5*time.Second)
	if !ok || len(stats) != 1 || stats[0].Error != nil {
		t.Fatalf("FLWSrvr: ok %v, %+v", ok, stats)
	}
	if stats[0].BuildTime.IsZero() || stats[0].Mode != zk.ModeStandalone || !strings.HasPrefix(stats[0].Version, "3.") {
		t.Fatalf("FLWSrvr: %+v", stats[0])
	}
	if oks := zk.FLWRuok([]string{srv.Addr()}, 5*time.Second); !oks[0] {
		t.Fatal("FLWRuok: not ok")
	}
}
