package conn

// Reconnects, expiry, failover and credential replay against real servers.

import (
	"errors"
	"testing"
	"time"

	"github.com/zkwire/zk/proto"
	"github.com/zkwire/zk/zktest"
)

// taken waits until the writer has taken every queued call (so they are in
// the pending FIFO, written or being written).
func taken(t *testing.T, c *Conn) {
	t.Helper()
	eventually(t, 5*time.Second, "the writer to take the queue", func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.queue) > 0 {
			return errors.New("still queued")
		}
		return nil
	})
}

// A server restart within the session timeout keeps the session: the call
// in flight when the connection dropped fails with connection loss (not
// safe to retry), a call made while the server is down waits and
// completes after the reconnect, and the sink sees Connected(new),
// Disconnected, Connected.
func TestServerRestartKeepsSession(t *testing.T) {
	t.Parallel()
	s := zktest.StartServerT(t)
	p := startProxy(t, s.Addr())
	rec := newRecorder()
	// 40 s (the server's maximum): a call made while the server is down
	// fails after a session timeout without a connection, and a JVM
	// restart on two loaded cores has taken over 20 s.
	c := dial(t, Config{Servers: []string{p.Addr()}, SessionTimeout: 40 * time.Second, Events: rec})
	id := c.SessionID()
	ctx := testCtx(t, 90*time.Second)

	// Unanswered (black hole), so it is in flight when the server stops.
	p.SetBlackhole(true)
	inFlight := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/"}, Resp: &proto.GetDataResponse{}}
	if err := c.Submit(inFlight); err != nil {
		t.Fatal(err)
	}
	taken(t, c)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	<-inFlight.Done()
	if !errors.Is(inFlight.Err, proto.ErrConnectionLoss) || SafeToRetry(inFlight.Err) {
		t.Fatalf("call in flight at the drop: %v; want connection loss, not safe to retry", inFlight.Err)
	}
	p.SetBlackhole(false)
	rec.waitUntil(t, 10*time.Second, "Disconnected", func() bool { return rec.count(proto.StateDisconnected) == 1 })

	whileDown := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/"}, Resp: &proto.GetDataResponse{}}
	if err := c.Submit(whileDown); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := c.Wait(ctx, whileDown); err != nil {
		t.Fatalf("call made while the server was down: %v", err)
	}
	if c.SessionID() != id {
		t.Fatalf("session %s became %s", sessionHex(id), sessionHex(c.SessionID()))
	}
	wantStates(t, rec, connectedNew, disconnected, reconnected)
}

// Expiry is terminal by default: the sink sees Expired, and calls fail
// with SESSIONEXPIRED.
func TestExpiry(t *testing.T) {
	rec := newRecorder()
	c := dial(t, Config{Servers: []string{srv.Addr()}, Events: rec})
	ctx := testCtx(t, 40*time.Second)
	if err := zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	rec.waitUntil(t, 20*time.Second, "Expired", func() bool { return c.State() == proto.StateExpired })
	if _, err := getData(ctx, c, "/", false); !errors.Is(err, proto.ErrSessionExpired) || !SafeToRetry(err) {
		t.Fatalf("call after expiry: %v", err)
	}
	if n := rec.count(proto.StateExpired); n != 1 {
		t.Fatalf("states %v", rec.stateList())
	}
}

// With NewSessionOnExpiry the client opens a new session by itself and
// says so (Connected with newSession true).
func TestExpiryNewSession(t *testing.T) {
	rec := newRecorder()
	c := dial(t, Config{Servers: []string{srv.Addr()}, Events: rec, Watches: rec, NewSessionOnExpiry: true})
	old := c.SessionID()
	ctx := testCtx(t, 40*time.Second)
	if err := zktest.ExpireSession(ctx, srv.Addr(), old, c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	rec.waitUntil(t, 20*time.Second, "a new session", func() bool {
		return c.SessionID() != old && c.State() == proto.StateSyncConnected
	})
	if _, err := getData(ctx, c, "/", false); err != nil {
		t.Fatal(err)
	}
	// The client may re-attach to the old session once before the server
	// closes it, so only the tail of the sequence is fixed.
	st := rec.stateList()
	if n := len(st); n < 3 || st[n-2] != (stateEvent{proto.StateExpired, false}) || st[n-1] != connectedNew || st[0] != connectedNew {
		t.Fatalf("states %v; want Connected(new) … Expired, Connected(new)", st)
	}
}

// In a 3-server ensemble, stopping the server the client is connected to
// moves the session to another server.
func TestEnsembleFailover(t *testing.T) {
	t.Parallel()
	e := zktest.StartEnsembleT(t, 3)
	rec := newRecorder()
	c := dial(t, Config{Servers: e.Addrs(), SessionTimeout: 30 * time.Second, Events: rec})
	ctx := testCtx(t, 60*time.Second)
	id, first := c.SessionID(), c.ServerAddr()
	p := uniquePath(t)
	if err := create(ctx, c, p, []byte("before"), nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range e.Servers() {
		if s.Addr() == first {
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
		}
	}
	rec.waitUntil(t, 45*time.Second, "the reconnect", func() bool { return rec.count(proto.StateSyncConnected) == 2 })
	if c.ServerAddr() == first || c.ServerAddr() == "" || c.SessionID() != id {
		t.Fatalf("after stopping %s: server %q, session %s (was %s)", first, c.ServerAddr(), sessionHex(c.SessionID()), sessionHex(id))
	}
	// The new server has at least what the old one had told us (lastZxid).
	resp, err := getData(ctx, c, p, false)
	if err != nil || string(resp.Data) != "before" {
		t.Fatalf("read after failover: %q %v", resp.Data, err)
	}
	wantStates(t, rec, connectedNew, disconnected, reconnected)
}

// Credentials added with AddAuth are replayed on every new connection; a
// rejected one (unknown scheme) returns AUTHFAILED, costs the connection
// but not the session, and is not replayed.
func TestAuthReplayAndRejectedScheme(t *testing.T) {
	p := startProxy(t, srv.Addr())
	rec := newRecorder()
	c := dial(t, Config{Servers: []string{p.Addr()}, Events: rec})
	stranger := dial(t, Config{Servers: []string{srv.Addr()}})
	ctx := testCtx(t, 30*time.Second)
	id := c.SessionID()
	if err := c.AddAuth(ctx, "digest", []byte("bob:secret")); err != nil {
		t.Fatal(err)
	}
	node := uniquePath(t)
	onlyBob := []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "auth"}}}
	if err := create(ctx, c, node, []byte("bob's"), onlyBob); err != nil {
		t.Fatal(err)
	}
	if _, err := getData(ctx, stranger, node, false); !errors.Is(err, proto.ErrNoAuth) {
		t.Fatalf("read without the credential: %v", err)
	}
	if err := c.AddAuth(ctx, "nosuchscheme", []byte("x")); !errors.Is(err, proto.ErrAuthFailed) {
		t.Fatalf("unknown scheme: %v", err)
	}
	// The server closed that connection; on the next one bob's credential
	// was replayed.
	if resp, err := getData(ctx, c, node, false); err != nil || string(resp.Data) != "bob's" {
		t.Fatalf("read after the rejected credential: %q %v", resp.Data, err)
	}
	p.Cut()
	rec.waitUntil(t, 10*time.Second, "the drop", func() bool { return rec.count(proto.StateDisconnected) == 2 })
	if resp, err := getData(ctx, c, node, false); err != nil || string(resp.Data) != "bob's" {
		t.Fatalf("read after another reconnect: %q %v", resp.Data, err)
	}
	if c.SessionID() != id || rec.count(proto.StateAuthFailed) != 0 {
		t.Fatalf("session %s, states %v", sessionHex(c.SessionID()), rec.stateList())
	}
	wantStates(t, rec, connectedNew, disconnected, reconnected, disconnected, reconnected)
}

// Credentials in Config.Auth are sent before any request, on the first
// connection too.
func TestConfigAuth(t *testing.T) {
	c := dial(t, Config{Servers: []string{srv.Addr()}, Auth: []AuthInfo{{"digest", []byte("carol:pw")}}})
	ctx := testCtx(t, 10*time.Second)
	node := uniquePath(t)
	onlyCarol := []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "auth"}}}
	if err := create(ctx, c, node, nil, onlyCarol); err != nil {
		t.Fatalf("create with an auth ACL (needs an authenticated connection): %v", err)
	}
	if _, err := getData(ctx, c, node, false); err != nil {
		t.Fatal(err)
	}
}
