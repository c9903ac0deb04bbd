//go:build go1.25

package conn

import (
	"errors"
	"testing"
	"testing/synctest"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// Replies a server may send that are not protocol violations: an error
// code for an operation it does not implement, an error code this client
// has never heard of, and a notification of an event type it does not
// know. Each fails (or is ignored) on its own; the connection stays up.
func TestFakeUnknownCodesKeepTheConnection(t *testing.T) {
	cases := []struct {
		name  string
		bad   func(fc *fakeConn, h proto.RequestHeader)
		check func(err error) bool
	}{
		{"unimplemented", func(fc *fakeConn, h proto.RequestHeader) {
			fc.send(&proto.ReplyHeader{Xid: h.Xid, Zxid: 1, Err: proto.ErrUnimplemented})
		}, func(err error) bool { return errors.Is(err, proto.ErrUnimplemented) }},
		{"unknown error code", func(fc *fakeConn, h proto.RequestHeader) {
			fc.send(&proto.ReplyHeader{Xid: h.Xid, Zxid: 1, Err: proto.Code(-4242)})
		}, func(err error) bool {
			var code proto.Code
			return errors.As(err, &code) && code == -4242 && err.Error() != ""
		}},
		{"unknown event type", func(fc *fakeConn, h proto.RequestHeader) {
			fc.send(&proto.ReplyHeader{Xid: proto.XidNotification, Zxid: -1},
				&proto.WatcherEvent{Type: 42, State: proto.StateSyncConnected, Path: "/x"})
			fc.answer(h)
		}, func(err error) bool { return err == nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake(func(fc *fakeConn) {
					if _, err := fc.accept(); err != nil {
						return
					}
					first := true
					fc.serve(func(h proto.RequestHeader, _ *jute.Reader) (bool, bool) {
						if first && h.Type == proto.OpGetData {
							first = false
							tc.bad(fc, h)
							return true, false
						}
						return false, false
					})
				})
				rec := newRecorder()
				c := fakeDial(t, f, Config{Events: rec})
				defer c.Close()
				if _, err := fakeGet(c, "/"); !tc.check(err) {
					t.Fatalf("first getData: %v", err)
				}
				if data, err := fakeGet(c, "/"); err != nil || data != "ok" {
					t.Fatalf("second getData: %q, %v", data, err)
				}
				if f.dialCount() != 1 {
					t.Fatalf("%d connections; the first should have stayed up", f.dialCount())
				}
				wantStates(t, rec, connectedNew)
			})
		})
	}
}
