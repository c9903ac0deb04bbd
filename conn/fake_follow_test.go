//go:build go1.25

package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// A server that accepts every handshake and drops the connection at once
// re-attaches the session each time, so the session deadline (counted from
// the last time a server was heard) keeps moving; a call that no connection
// ever got to carry still fails within about a session timeout of being
// queued, with connection loss that is safe to retry, instead of waiting
// forever. (Here every connection after the first breaks on its first
// write after the handshake, so the call is provably never written: a
// server's EOF racing the write could otherwise fail it as maybe sent.)
func TestFakeFlappingHandshakesBoundQueuedCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			if fc.n > 0 {
				io.Copy(io.Discard, fc) // until the client's side breaks
				return
			}
			fc.serve(func(h proto.RequestHeader, _ *jute.Reader) (bool, bool) {
				return false, h.Type == proto.OpGetData // the first getData drops it
			})
		})
		dials := 0
		dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := f.dial(ctx, network, addr)
			dials++
			if err != nil || dials == 1 {
				return nc, err
			}
			return &brokenConn{Conn: nc, failAt: 2, pass: func([]byte) int { return 0 }}, nil
		}
		rec := newRecorder()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := Dial(ctx, Config{Servers: []string{"fake:1"}, Dialer: dialer, Events: rec, SessionTimeout: 6 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := fakeGet(c, "/drop"); !errors.Is(err, proto.ErrConnectionLoss) {
			t.Fatalf("call on the dropped connection: %v", err)
		}
		start := time.Now()
		call := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/x"}, Resp: &proto.GetDataResponse{}}
		if err := c.Submit(call); err != nil {
			t.Fatal(err)
		}
		timeout := c.NegotiatedTimeout()
		select {
		case <-call.Done():
		case <-time.After(5 * timeout):
			t.Fatalf("a queued call still waits %v later, after %d connections that each dropped at once",
				5*timeout, f.dialCount())
		}
		waited := time.Since(start)
		if !errors.Is(call.Err, proto.ErrConnectionLoss) || !SafeToRetry(call.Err) {
			t.Fatalf("queued call: %v; want connection loss, safe to retry", call.Err)
		}
		if waited < timeout || waited > timeout+2*time.Second {
			t.Fatalf("queued call failed after %v; want about the %v session timeout", waited, timeout)
		}
		t.Logf("failed after %v (%d connections): %v", waited, f.dialCount(), call.Err)
		if rec.count(proto.StateLost) != 0 {
			t.Fatalf("states %v: the server re-attached the session every time; not Lost", rec.stateList())
		}
	})
}

// With NewSessionOnExpiry, a call submitted before the sink learns of the
// expiry belongs to the expired session and fails with it; one submitted
// after goes out on the new session. Here the second call is submitted
// from the first one's OnReply, which runs as the expiry fails the queue:
// the sink must already have been told (StateExpired), so that nothing
// submitted in between goes out on the new session unannounced.
func TestFakeExpiryToldBeforeQueueFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if fc.n == 1 {
				fc.accept2() // session invalid
				return
			}
			recordingServer(fc)
		})
		rec := newRecorder()
		c := fakeDial(t, f, Config{Events: rec, NewSessionOnExpiry: true})
		defer c.Close()
		cut(t, c, f, rec)
		b := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/b"}, Resp: &proto.GetDataResponse{}}
		toldBefore := -1
		a := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/a"}, Resp: &proto.GetDataResponse{},
			OnReply: func(*Call) {
				toldBefore = rec.count(proto.StateExpired)
				if err := c.Submit(b); err != nil {
					t.Errorf("Submit from OnReply: %v", err)
				}
			}}
		if err := c.Submit(a); err != nil {
			t.Fatal(err)
		}
		f.setRefuse(false)
		<-a.Done()
		if !errors.Is(a.Err, proto.ErrSessionExpired) {
			t.Fatalf("call queued at the expiry: %v", a.Err)
		}
		select {
		case <-b.Done():
		case <-time.After(time.Minute):
			t.Fatal("second call never completed")
		}
		if toldBefore == 0 && !errors.Is(b.Err, proto.ErrSessionExpired) {
			t.Fatalf("a call submitted before the sink was told of the expiry went out on the new session (%v); states %v",
				b.Err, rec.stateList())
		}
		if toldBefore != 1 || b.Err != nil {
			t.Fatalf("sink told %d times before the queue failed; second call: %v", toldBefore, b.Err)
		}
		wantStates(t, rec, connectedNew, disconnected, stateEvent{proto.StateExpired, false}, connectedNew)
	})
}

// Close on a read-only stand-in connection: the connection's closeSession
// can end only the stand-in session; the real session is ended on a
// read-write server reachable by then (here one that came back before the
// prober's next round), so its ephemeral nodes do not outlive Close by a
// session timeout.
func TestFakeCloseOnStandInEndsRealSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const standIn = 0x7700000000000001
		f := newFake(func(fc *fakeConn) {
			var req proto.ConnectRequest
			var sid int64
			if fc.addr == "ro:1" {
				b, err := fc.frame()
				if err != nil || proto.Unmarshal(b, &req) != nil || req.SessionID != 0 {
					return // refuses a global session, as a read-only server does
				}
				sid = standIn
				if fc.send(&proto.ConnectResponse{TimeOut: 6000, SessionID: sid, Passwd: make([]byte, 16), ReadOnly: true}) != nil {
					return
				}
			} else {
				req, err := fc.accept()
				if err != nil {
					return
				}
				sid = req.SessionID
				if sid == 0 {
					sid = fakeSession + int64(fc.n)
				}
			}
			fc.serve(func(h proto.RequestHeader, r *jute.Reader) (bool, bool) {
				switch h.Type {
				case proto.OpCloseSession:
					fc.f.record(fmt.Sprintf("%s closeSession %s", fc.addr, sessionHex(sid)))
				case proto.OpGetData:
					var g proto.GetDataRequest
					g.Decode(r)
					return false, g.Path == "/cut"
				}
				return false, false
			})
		})
		var mu sync.Mutex
		down := map[string]bool{"ro:1": true}
		setDown := func(addr string, on bool) { mu.Lock(); down[addr] = on; mu.Unlock() }
		dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			d := down[addr]
			mu.Unlock()
			if d {
				return nil, errors.New("connection refused (test)")
			}
			return f.dial(ctx, network, addr)
		}
		rec := newRecorder()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := Dial(ctx, Config{Servers: []string{"rw:1", "ro:1"}, CanBeReadOnly: true, Events: rec, Dialer: dialer, SessionTimeout: 6 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		id := c.SessionID()
		setDown("rw:1", true)
		setDown("ro:1", false)
		if _, err := fakeGet(c, "/cut"); !errors.Is(err, proto.ErrConnectionLoss) {
			t.Fatalf("call on the cut connection: %v", err)
		}
		rec.waitUntil(t, time.Minute, "ConnectedReadOnly", func() bool { return c.State() == proto.StateConnectedReadOnly })
		setDown("rw:1", false) // the quorum is back; the prober has not looked yet
		c.Close()
		seen := fmt.Sprint(f.seen())
		if !strings.Contains(seen, "ro:1 closeSession "+sessionHex(standIn)) {
			t.Errorf("the stand-in session was not closed: %s", seen)
		}
		if !strings.Contains(seen, "rw:1 closeSession "+sessionHex(id)) {
			t.Errorf("Close on a stand-in left the real session %s open on the read-write server: %s", sessionHex(id), seen)
		}
	})
}

// Watch-restore packets that a connection never got to write are not
// sent again on the next one, which restores afresh: a second SetWatches
// from an older restore would make the server fire the catch-up events
// twice.
func TestFakeUnsentRestoreNotRepeated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if fc.n == 1 {
				fc.accept() // handshake, then drop before any request
				return
			}
			recordingServer(fc)
		})
		rec := newRecorder()
		rec.setWatches(WatchSet{Data: []string{"/w"}})
		c := fakeDial(t, f, Config{Events: rec, Watches: rec})
		defer c.Close()
		cut(t, c, f, rec)
		f.setRefuse(false)
		rec.waitUntil(t, time.Minute, "two reconnects", func() bool { return rec.count(proto.StateSyncConnected) == 3 })
		if _, err := fakeGet(c, "/after"); err != nil {
			t.Fatal(err)
		}
		got := framesOf(f, 2)
		restores := 0
		for _, fr := range got {
			if strings.HasPrefix(fr, "setWatches") {
				restores++
			}
		}
		if restores != 1 || len(got) != 2 || got[1] != "getData /after" {
			t.Fatalf("the connection after the dropped one saw %q; want one setWatches, then getData /after", got)
		}
	})
}
