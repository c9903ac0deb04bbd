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
