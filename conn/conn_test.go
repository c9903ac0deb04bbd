package conn

// Tests against a real ZooKeeper 3.8 server (zktest).

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk/proto"
	"github.com/zkwire/zk/zktest"
)

// startProxy puts a fault-injecting proxy in front of addr for one test.
func startProxy(t *testing.T, addr string) *zktest.Proxy {
	t.Helper()
	p, err := zktest.NewProxy(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// The handshake gives a session; a raw getData goes through Do; a server
// error is a proto.Code and leaves the connection working.
func TestHandshakeAndGetData(t *testing.T) {
	rec := newRecorder()
	c := dial(t, Config{Servers: []string{srv.Addr()}, Events: rec})
	ctx := testCtx(t, 10*time.Second)
	if c.SessionID() == 0 || len(c.SessionPassword()) != 16 || c.NegotiatedTimeout() != 10*time.Second ||
		c.ServerAddr() != srv.Addr() || c.State() != proto.StateSyncConnected {
		t.Fatalf("session %s, password %d bytes, timeout %v, server %q, state %v",
			sessionHex(c.SessionID()), len(c.SessionPassword()), c.NegotiatedTimeout(), c.ServerAddr(), c.State())
	}
	resp, err := getData(ctx, c, "/", false)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Stat.Czxid != 0 {
		t.Fatalf("stat of / %+v", resp.Stat)
	}
	if _, err := getData(ctx, c, "/no/such/node", false); !errors.Is(err, proto.ErrNoNode) {
		t.Fatalf("getData of a missing node: %v", err)
	}
	p := uniquePath(t)
	if err := create(ctx, c, p, []byte("v"), nil); err != nil {
		t.Fatal(err)
	}
	if c.LastZxid() <= 0 {
		t.Fatal("last zxid not tracked")
	}
	resp, err = getData(ctx, c, p, false)
	if err != nil || string(resp.Data) != "v" {
		t.Fatalf("getData %s: %q %v", p, resp.Data, err)
	}
	wantStates(t, rec, connectedNew)
}

// 1,000 concurrent Do calls are pipelined on one connection; every one
// succeeds and replies complete in the order the requests were written.
func TestPipelining(t *testing.T) {
	c := dial(t, Config{Servers: []string{srv.Addr()}})
	ctx := testCtx(t, 30*time.Second)
	var (
		mu    sync.Mutex
		order []int32 // xids in completion order (OnReply runs on the reader)
		wg    sync.WaitGroup
		errs  = make(chan error, 1000)
	)
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call := &Call{Op: proto.OpExists, Req: &proto.ExistsRequest{Path: "/zookeeper"}, Resp: &proto.ExistsResponse{},
				OnReply: func(call *Call) { mu.Lock(); order = append(order, call.xid); mu.Unlock() }}
			if err := c.Do(ctx, call); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(order) != 1000 {
		t.Fatalf("%d replies", len(order))
	}
	for i := 1; i < len(order); i++ {
		if order[i] <= order[i-1] {
			t.Fatalf("reply for xid %d completed after xid %d", order[i], order[i-1])
		}
	}
}

// A call whose context ends while it is queued (here: while the client is
// disconnected) is never sent: the create leaves no node. Calls behind it
// complete normally. A context that has already ended sends nothing.
func TestCancelledCallIsNeverSent(t *testing.T) {
	p := startProxy(t, srv.Addr())
	rec := newRecorder()
	c := dial(t, Config{Servers: []string{p.Addr()}, Events: rec})
	ctx := testCtx(t, 20*time.Second)
	base := uniquePath(t)

	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	if err := create(done, c, base+"-early", nil, nil); !errors.Is(err, context.Canceled) || !SafeToRetry(err) {
		t.Fatalf("Do with an ended context: %v", err)
	}

	p.SetRefuse(true)
	p.Cut()
	rec.waitUntil(t, 10*time.Second, "Disconnected", func() bool { return rec.count(proto.StateDisconnected) == 1 })
	cctx, cancel := context.WithCancel(ctx)
	cancelled := make(chan error, 1)
	go func() { cancelled <- create(cctx, c, base+"-cancelled", nil, nil) }()
	kept := &Call{Op: proto.OpCreate, Req: &proto.CreateRequest{Path: base + "-kept", ACL: worldACL}, Resp: &proto.CreateResponse{}}
	eventually(t, 5*time.Second, "both calls queued", func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.queue) < 1 {
			return errors.New("not queued yet")
		}
		return nil
	})
	if err := c.Submit(kept); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) || !SafeToRetry(err) {
		t.Fatalf("cancelled create: %v", err)
	}
	p.SetRefuse(false)
	if err := c.Wait(ctx, kept); err != nil {
		t.Fatalf("create queued behind the cancelled one: %v", err)
	}
	for _, tc := range []struct {
		path string
		want error
	}{{base + "-early", proto.ErrNoNode}, {base + "-cancelled", proto.ErrNoNode}, {base + "-kept", nil}} {
		if err := exists(ctx, c, tc.path, false); !errors.Is(err, tc.want) {
			t.Fatalf("exists %s: %v, want %v", tc.path, err, tc.want)
		}
	}
}

// Close sends closeSession: the server drops the session's ephemeral node
// at once. Close is idempotent, and later calls fail with ErrClosed.
func TestCloseEndsSessionOnServer(t *testing.T) {
	rec := newRecorder()
	c, err := Dial(testCtx(t, 10*time.Second), Config{Servers: []string{srv.Addr()}, Events: rec})
	if err != nil {
		t.Fatal(err)
	}
	other := dial(t, Config{Servers: []string{srv.Addr()}})
	ctx := testCtx(t, 10*time.Second)
	p := uniquePath(t)
	if err := c.Do(ctx, &Call{Op: proto.OpCreate, Req: &proto.CreateRequest{Path: p, ACL: worldACL, Flags: proto.ModeEphemeral},
		Resp: &proto.CreateResponse{}}); err != nil {
		t.Fatal(err)
	}
	if err := exists(ctx, other, p, false); err != nil {
		t.Fatalf("ephemeral before Close: %v", err)
	}
	c.Close()
	c.Close()
	if err := exists(ctx, other, p, false); !errors.Is(err, proto.ErrNoNode) {
		t.Fatalf("ephemeral after Close: %v (closeSession not processed?)", err)
	}
	if _, err := getData(ctx, c, "/", false); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after Close: %v", err)
	}
	wantStates(t, rec, connectedNew, stateEvent{proto.StateClosed, false})
}

// Calls in flight when Close runs, and the server does not answer, fail
// with ErrClosed once Close gives up waiting for closeSession.
func TestCloseFailsCallsInFlight(t *testing.T) {
	p := startProxy(t, srv.Addr())
	c := dial(t, Config{Servers: []string{p.Addr()}})
	p.SetBlackhole(true)
	calls := make([]*Call, 10)
	for i := range calls {
		calls[i] = &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/"}, Resp: &proto.GetDataResponse{}}
		if err := c.Submit(calls[i]); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	for _, call := range calls {
		<-call.Done()
		if !errors.Is(call.Err, ErrClosed) {
			t.Fatalf("call in flight at Close: %v", call.Err)
		}
	}
}

// The packet limit is checked before anything is sent; a reply may be
// larger than the request limit (getData of a node near 1 MiB).
func TestPacketLimits(t *testing.T) {
	c := dial(t, Config{Servers: []string{srv.Addr()}})
	ctx := testCtx(t, 20*time.Second)
	p := uniquePath(t)
	if err := create(ctx, c, p, nil, nil); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20)
	if err := setData(ctx, c, p, big); !errors.Is(err, ErrPacketTooLarge) {
		t.Fatalf("setData of 1 MiB: %v", err)
	}
	data := []byte(strings.Repeat("z", 1_048_000))
	if err := setData(ctx, c, p, data); err != nil {
		t.Fatalf("setData just under the limit: %v", err)
	}
	resp, err := getData(ctx, c, p, false)
	if err != nil || len(resp.Data) != len(data) {
		t.Fatalf("getData of a 1,048,000-byte node (a reply over the request limit): %d bytes, %v", len(resp.Data), err)
	}
}

// Dial gives up when its context ends and says why the attempts failed.
func TestDialUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	_, err = Dial(testCtx(t, 1500*time.Millisecond), Config{Servers: []string{addr}})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Dial: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Dial returned %v after its context ended", d)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Servers: []string{"no-port"}},
		{Servers: []string{":2181"}},
		{Servers: []string{"h:1"}, SessionTimeout: -time.Second},
		{Servers: []string{"h:1"}, Chroot: "app"},
		{Servers: []string{"h:1"}, Chroot: "/app/"},
		{Servers: []string{"h:1"}, MaxPacketSize: -1},
	} {
		if c, err := Dial(context.Background(), cfg); err == nil {
			c.Close()
			t.Fatalf("Dial accepted %+v", cfg)
		}
	}
}

func TestChroot(t *testing.T) {
	ch := Chroot("/app")
	for in, want := range map[string]string{"/": "/app", "/a": "/app/a", "/a/b": "/app/a/b"} {
		if got := ch.Prefix(in); got != want {
			t.Errorf("Prefix(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"/app": "/", "/app/a": "/a", "/apple": "/apple", "/other": "/other", "/": "/"} {
		if got := ch.Strip(in); got != want {
			t.Errorf("Strip(%q) = %q, want %q", in, got, want)
		}
	}
	if Chroot("").Prefix("/a") != "/a" || Chroot("").Strip("/a") != "/a" || !Chroot("").Contains("/x") {
		t.Error("the empty chroot changes paths")
	}
	if ch.Contains("/apple") || !ch.Contains("/app") || !ch.Contains("/app/x") {
		t.Error("Contains")
	}
}

func TestSafeToRetry(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{lossError(errors.New("EOF"), true), false},
		{lossError(nil, false), true},
		{&Error{Kind: ErrClosed}, true},
		{proto.ErrNodeExists, false},
		{context.Canceled, false}, // a bare context error: the request may have been sent
		{fmt.Errorf("%w: a 2000000-byte setData request", ErrPacketTooLarge), true},
		{&Error{Kind: context.Canceled}, true}, // cancelled while queued
		{nil, false},
	} {
		if got := SafeToRetry(tc.err); got != tc.want {
			t.Errorf("SafeToRetry(%v) = %v", tc.err, got)
		}
	}
	err := lossError(&ProtocolError{Msg: "x"}, true)
	var pe *ProtocolError
	if !errors.Is(err, proto.ErrConnectionLoss) || !errors.As(err, &pe) {
		t.Fatal("an *Error does not expose its kind and cause")
	}
}
