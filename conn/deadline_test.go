package conn

// The client-side session deadline (StateLost) against a real server
// behind a fault proxy.

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
	"github.com/zkwire/zk/zktest"
)

// lostSlack is how late StateLost may come after its deadline: the
// session goroutine's timers, on a loaded machine.
const lostSlack = time.Second

// partitioned dials through a proxy, then black-holes it and waits for the
// drop. It returns the connection, its recorder and the proxy.
func partitioned(t *testing.T, timeout time.Duration) (*Conn, *recorder, *zktest.Proxy) {
	t.Helper()
	p := startProxy(t, srv.Addr())
	rec := newRecorder()
	c := dial(t, Config{Servers: []string{p.Addr()}, SessionTimeout: timeout, Events: rec})
	p.SetBlackhole(true)
	rec.waitUntil(t, 2*c.NegotiatedTimeout(), "Disconnected", func() bool { return rec.count(proto.StateDisconnected) == 1 })
	return c, rec, p
}

// A client cut off from every server says StateLost once the negotiated
// timeout has passed since it last heard from a server, not earlier and
// not much later; a call queued meanwhile with a context that never ends
// fails by then with connection loss that is safe to retry; and after the
// partition the client finds the session expired (here: it was).
func TestSessionDeadlineLost(t *testing.T) {
	t.Parallel()
	c, rec, p := partitioned(t, 4*time.Second)
	id, pw := c.SessionID(), c.SessionPassword()
	negotiated := c.NegotiatedTimeout()

	queued := make(chan error, 1)
	go func() {
		_, err := getData(context.Background(), c, "/", false)
		queued <- err
	}()
	rec.waitUntil(t, negotiated+lostSlack+time.Second, "Lost", func() bool { return rec.count(proto.StateLost) == 1 })
	lostAt := time.Now()
	deadline := time.Unix(0, c.heard.Load()).Add(negotiated)
	if lostAt.Before(deadline) {
		t.Fatalf("Lost %v before the deadline (last heard + %v)", deadline.Sub(lostAt), negotiated)
	}
	if late := lostAt.Sub(deadline); late > lostSlack {
		t.Fatalf("Lost %v after the deadline", late)
	}
	t.Logf("Lost %v after last-heard + negotiated timeout (%v)", lostAt.Sub(deadline), negotiated)
	select {
	case err := <-queued:
		if !errors.Is(err, proto.ErrConnectionLoss) || !SafeToRetry(err) {
			t.Fatalf("call queued while disconnected: %v; want connection loss, safe to retry", err)
		}
		t.Logf("queued call: %v", err)
	case <-time.After(lostSlack):
		t.Fatal("a call queued while disconnected still waits after Lost")
	}
	if got := c.State(); got != proto.StateLost {
		t.Fatalf("state %v, want Lost", got)
	}

	// The server expires the session (for certain, rather than by waiting
	// for its ticks); then the partition ends.
	ctx := testCtx(t, 30*time.Second)
	if err := zktest.ExpireSession(ctx, srv.Addr(), id, pw); err != nil {
		t.Fatal(err)
	}
	p.SetBlackhole(false)
	rec.waitUntil(t, 20*time.Second, "Expired", func() bool { return c.State() == proto.StateExpired })
	wantStates(t, rec, connectedNew, disconnected, stateEvent{proto.StateLost, false}, stateEvent{proto.StateExpired, false})
}

// StateLost says the session may be gone, not that it is: when another
// connection kept it alive meanwhile, the reconnect finds it and the state
// goes back to Connected (same session).
func TestSessionDeadlineLostThenAlive(t *testing.T) {
	t.Parallel()
	c, rec, p := partitioned(t, 4*time.Second)
	id, pw := c.SessionID(), c.SessionPassword()
	stop := keepAlive(t, srv.Addr(), id, pw)
	rec.waitUntil(t, c.NegotiatedTimeout()+lostSlack+time.Second, "Lost", func() bool { return rec.count(proto.StateLost) == 1 })
	// Submitted while Lost: fails at the next failed attempt at the latest
	// (the proxy still black-holes), never waits for the reconnect.
	ctx := testCtx(t, 30*time.Second)
	start := time.Now()
	if _, err := getData(context.Background(), c, "/", false); !errors.Is(err, proto.ErrConnectionLoss) || !SafeToRetry(err) {
		t.Fatalf("call made while Lost: %v", err)
	}
	// One attempt (cut at the connect timeout) and one pause at most.
	bound := connectTimeout(c.NegotiatedTimeout(), 1) + backoffCap + lostSlack
	if took := time.Since(start); took > bound {
		t.Fatalf("call made while Lost failed after %v, want within %v", took, bound)
	}
	t.Logf("call made while Lost failed after %v", time.Since(start))
	stop()
	p.SetBlackhole(false)
	rec.waitUntil(t, 20*time.Second, "Connected", func() bool { return c.State() == proto.StateSyncConnected })
	if c.SessionID() != id {
		t.Fatalf("session %s became %s", sessionHex(id), sessionHex(c.SessionID()))
	}
	if _, err := getData(ctx, c, "/", false); err != nil {
		t.Fatal(err)
	}
	wantStates(t, rec, connectedNew, disconnected, stateEvent{proto.StateLost, false}, reconnected)
}

// keepAlive attaches to the session on a connection of its own and pings
// it until stop, so that the server keeps it while the client cannot
// reach it. stop closes that connection (the session stays; its timeout
// starts again).
func keepAlive(t *testing.T, addr string, id int64, pw []byte) (stop func()) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	req := proto.ConnectRequest{TimeOut: 4000, SessionID: id, Passwd: pw}
	b, start := jute.BeginFrame(nil)
	b = req.AppendTo(b)
	jute.EndFrame(b, start)
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
	f, err := readHandshakeFrame(nc)
	if err != nil {
		t.Fatal(err)
	}
	var resp proto.ConnectResponse
	if err := proto.Unmarshal(f, &resp); err != nil || resp.TimeOut <= 0 {
		t.Fatalf("keep-alive attach: %v (timeout %d)", err, resp.TimeOut)
	}
	nc.SetDeadline(time.Time{})
	done := make(chan struct{})
	ended := make(chan struct{})
	go io.Copy(io.Discard, nc) // ping replies
	go func() {
		defer close(ended)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if _, err := nc.Write(pingFrame); err != nil {
					return
				}
			}
		}
	}()
	var once bool
	stop = func() {
		if once {
			return
		}
		once = true
		close(done)
		<-ended
		nc.Close()
	}
	t.Cleanup(stop)
	return stop
}

// Refused connections (a server that is down) rather than a black hole:
// the drop is noticed at once, StateLost still comes a session timeout
// after the client last heard from the server, a call made while lost
// fails within one backoff pause, and the first reconnect finds the
// session alive or expired, whichever the server decided.
func TestSessionDeadlineRefused(t *testing.T) {
	t.Parallel()
	p := startProxy(t, srv.Addr())
	rec := newRecorder()
	c := dial(t, Config{Servers: []string{p.Addr()}, SessionTimeout: 4 * time.Second, Events: rec})
	id := c.SessionID()
	negotiated := c.NegotiatedTimeout()
	p.SetRefuse(true)
	p.Cut()
	rec.waitUntil(t, negotiated+lostSlack+time.Second, "Lost", func() bool { return rec.count(proto.StateLost) == 1 })
	deadline := time.Unix(0, c.heard.Load()).Add(negotiated)
	if late := time.Since(deadline); late < 0 || late > lostSlack {
		t.Fatalf("Lost %v after the deadline", late)
	}
	start := time.Now()
	if _, err := getData(context.Background(), c, "/", false); !errors.Is(err, proto.ErrConnectionLoss) || !SafeToRetry(err) {
		t.Fatalf("call made while Lost: %v", err)
	}
	if took := time.Since(start); took > backoffCap+lostSlack {
		t.Fatalf("call made while Lost failed after %v", took)
	}
	p.SetRefuse(false)
	rec.waitUntil(t, 20*time.Second, "Connected or Expired", func() bool {
		s := c.State()
		return s == proto.StateSyncConnected || s == proto.StateExpired
	})
	st := rec.stateList()
	last := st[len(st)-1]
	switch {
	case last == reconnected && c.SessionID() == id:
		t.Logf("after Lost: the session was alive")
	case last.State == proto.StateExpired:
		t.Logf("after Lost: the session had expired")
	default:
		t.Fatalf("states %v", st)
	}
}
