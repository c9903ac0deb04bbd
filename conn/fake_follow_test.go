//go:build go1.25

package conn

import (
	"errors"
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
// forever.
func TestFakeFlappingHandshakesBoundQueuedCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil || fc.n > 0 {
				return // every later connection: handshake, then drop
			}
			fc.serve(func(h proto.RequestHeader, _ *jute.Reader) (bool, bool) {
				return false, h.Type == proto.OpGetData // the first getData drops it
			})
		})
		rec := newRecorder()
		c := fakeDial(t, f, Config{Events: rec})
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
