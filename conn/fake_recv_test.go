//go:build go1.25

package conn

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// bogusZxid is a zxid no real ensemble reaches (epoch 2^30).
const bogusZxid = int64(1) << 62

// zxidServer is a fake ensemble with one shared zxid counter. It refuses a
// handshake whose lastZxidSeen is ahead of it (closing the connection
// unanswered, as a real server does: "Refusing session request ... as it
// has seen zxid"), answers getData "/bogus" with bogusZxid, getData
// "/epoch" with a zxid of the next epoch, and drops the connection after
// answering getData "/bogus-cut".
type zxidServer struct {
	mu       sync.Mutex
	zxid     int64
	refusals int
}

func (s *zxidServer) next() int64 { s.mu.Lock(); defer s.mu.Unlock(); s.zxid++; return s.zxid }

func (s *zxidServer) script(fc *fakeConn) {
	f, err := fc.frame()
	if err != nil {
		return
	}
	var req proto.ConnectRequest
	if proto.Unmarshal(f, &req) != nil {
		return
	}
	s.mu.Lock()
	behind := req.LastZxidSeen > s.zxid
	if behind {
		s.refusals++
	}
	s.mu.Unlock()
	if behind {
		return
	}
	sid := req.SessionID
	if sid == 0 {
		sid = fakeSession
	}
	if fc.send(&proto.ConnectResponse{TimeOut: 6000, SessionID: sid, Passwd: make([]byte, 16)}) != nil {
		return
	}
	fc.serve(func(h proto.RequestHeader, r *jute.Reader) (bool, bool) {
		if h.Xid <= 0 {
			return false, false
		}
		path := ""
		if h.Type == proto.OpGetData {
			var q proto.GetDataRequest
			q.Decode(r)
			path = q.Path
		}
		z := s.next()
		switch path {
		case "/bogus", "/bogus-cut":
			z = bogusZxid
		case "/epoch":
			s.mu.Lock()
			s.zxid = (s.zxid>>32 + 1) << 32
			z = s.zxid
			s.mu.Unlock()
		}
		fc.send(&proto.ReplyHeader{Xid: h.Xid, Zxid: z}, &proto.GetDataResponse{Data: []byte("ok")})
		return true, path == "/bogus-cut"
	})
}

// One reply carrying an absurd zxid must not lock the client out: before,
// every later handshake presented it and every correct server refused
// them, forever.
func TestFakeBogusZxidDoesNotLockOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &zxidServer{}
		f := newFake(s.script)
		rec := newRecorder()
		c := fakeDial(t, f, Config{Events: rec})
		defer c.Close()
		if _, err := fakeGet(c, "/a"); err != nil {
			t.Fatal(err)
		}
		good := c.LastZxid()
		// The bogus reply is the last one before the connection drops.
		if _, err := fakeGet(c, "/bogus-cut"); err != nil {
			t.Fatal(err)
		}
		rec.waitUntil(t, time.Minute, "Disconnected", func() bool { return rec.count(proto.StateDisconnected) == 1 })
		dialsAtDrop := f.dialCount()
		deadline := time.Now().Add(60 * time.Second)
		for rec.count(proto.StateSyncConnected) < 2 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		dials := f.dialCount() - dialsAtDrop
		t.Logf("dials after the drop: %d; refused handshakes: %d; last zxid %#x", dials, s.refusals, c.LastZxid())
		if rec.count(proto.StateSyncConnected) < 2 {
			t.Fatalf("not reconnected within 60 s: %d dials, %d refused (lastZxidSeen %#x)", dials, s.refusals, c.LastZxid())
		}
		if c.LastZxid() != good {
			t.Fatalf("last zxid %#x, want %#x (the bogus jump must not be kept)", c.LastZxid(), good)
		}
		if _, err := fakeGet(c, "/a"); err != nil {
			t.Fatal(err)
		}
		wantStates(t, rec, connectedNew, disconnected, reconnected)
	})
}

// The rule for the last zxid seen: it follows the latest positive reply
// zxid (Java's rule, so a bad value heals with the next reply), except that
// a jump to a later epoch is taken only once a second reply confirms it.
func TestFakeLastZxidRule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &zxidServer{}
		c := fakeDial(t, newFake(s.script), Config{})
		defer c.Close()
		get := func(p string) int64 {
			t.Helper()
			if _, err := fakeGet(c, p); err != nil {
				t.Fatal(err)
			}
			return c.LastZxid()
		}
		// The first reply of a session is taken whatever it says; the next
		// one replaces it (latest positive).
		if z := get("/bogus"); z != bogusZxid {
			t.Fatalf("first reply: last zxid %#x", z)
		}
		if z := get("/a"); z != 2 {
			t.Fatalf("after a normal reply: last zxid %#x, want 2 (latest positive)", z)
		}
		// A lone jump to a far epoch is not kept.
		if z := get("/bogus"); z != 2 {
			t.Fatalf("after a lone bogus reply: last zxid %#x, want 2", z)
		}
		if z := get("/a"); z != 4 {
			t.Fatalf("after a normal reply: last zxid %#x, want 4", z)
		}
		// A real epoch change: held for one reply, confirmed by the next.
		if z := get("/epoch"); z != 4 {
			t.Fatalf("first reply of the new epoch: last zxid %#x, want it held at 4", z)
		}
		if z := get("/a"); z != 1<<32+1 {
			t.Fatalf("second reply of the new epoch: last zxid %#x, want %#x", z, 1<<32+1)
		}
	})
}

// A stray auth reply (xid -4 with no AddAuth outstanding) is logged and
// ignored, as Java does: the calls in flight on the connection complete and
// it stays up.
func TestFakeStrayAuthReply(t *testing.T) {
	for _, code := range []proto.Code{proto.ErrOK, proto.ErrAuthFailed} {
		t.Run(code.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake(func(fc *fakeConn) {
					if _, err := fc.accept(); err != nil {
						return
					}
					fc.serve(func(h proto.RequestHeader, r *jute.Reader) (bool, bool) {
						if h.Type == proto.OpGetData {
							var q proto.GetDataRequest
							q.Decode(r)
							if q.Path == "/stray" {
								fc.send(&proto.ReplyHeader{Xid: proto.XidAuth, Err: code})
							}
						}
						return false, false
					})
				})
				rec := newRecorder()
				c := fakeDial(t, f, Config{Events: rec})
				defer c.Close()
				calls := make([]*Call, 5)
				for i := range calls {
					path := "/other"
					if i == 2 {
						path = "/stray"
					}
					calls[i] = &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: path}, Resp: &proto.GetDataResponse{}}
					if err := c.Submit(calls[i]); err != nil {
						t.Fatal(err)
					}
				}
				for i, call := range calls {
					<-call.Done()
					if call.Err != nil {
						t.Fatalf("call %d beside a stray auth reply: %v", i, call.Err)
					}
				}
				synctest.Wait()
				wantStates(t, rec, connectedNew)
			})
		})
	}
}

// A reply over MaxReplySize fails its own call with ErrReplyTooLarge (its
// bytes are read and discarded); the connection and the calls around it
// are unaffected. Absurd lengths still end the connection (see
// TestFakeProtocolViolations).
func TestFakeReplyTooLarge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			fc.serve(func(h proto.RequestHeader, r *jute.Reader) (bool, bool) {
				if h.Type == proto.OpGetData {
					var q proto.GetDataRequest
					q.Decode(r)
					if q.Path == "/big" {
						fc.zxid++
						fc.send(&proto.ReplyHeader{Xid: h.Xid, Zxid: fc.zxid}, &proto.GetDataResponse{Data: make([]byte, 5000)})
						return true, false
					}
				}
				return false, false
			})
		})
		rec := newRecorder()
		c := fakeDial(t, f, Config{Events: rec, MaxReplySize: 1024})
		defer c.Close()
		calls := make([]*Call, 9)
		for i := range calls {
			path := "/small"
			if i%4 == 1 {
				path = "/big"
			}
			calls[i] = &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: path}, Resp: &proto.GetDataResponse{}}
			if err := c.Submit(calls[i]); err != nil {
				t.Fatal(err)
			}
		}
		for i, call := range calls {
			<-call.Done()
			if i%4 != 1 {
				if call.Err != nil || string(call.Resp.(*proto.GetDataResponse).Data) != "ok" {
					t.Fatalf("small call %d: %v", i, call.Err)
				}
				continue
			}
			var tl *ReplyTooLargeError
			if !errors.Is(call.Err, ErrReplyTooLarge) || !errors.As(call.Err, &tl) || tl.Limit != 1024 || tl.Size <= 5000 {
				t.Fatalf("big call %d: %v (%+v); want ErrReplyTooLarge with its size", i, call.Err, tl)
			}
			if errors.Is(call.Err, proto.ErrConnectionLoss) || SafeToRetry(call.Err) {
				t.Fatalf("big call %d: %v is connection loss or safe to retry", i, call.Err)
			}
			if call.Zxid == 0 {
				t.Fatalf("big call %d: the reply header's zxid is not recorded", i)
			}
		}
		t.Logf("error: %v", calls[1].Err)
		wantStates(t, rec, connectedNew)
	})
}

// A multi reply is decoded no further than the number of operations sent:
// a server answering a 1-op multi with a million results fails the call
// (the connection is dropped as for any undecodable reply) without the
// client building a million results.
func TestFakeMultiReplyBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const results = 1 << 18
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			fc.serve(func(h proto.RequestHeader, _ *jute.Reader) (bool, bool) {
				if h.Type != proto.OpMulti || fc.n != 0 {
					return false, false
				}
				body := make([]proto.MultiResult, results)
				for i := range body {
					body[i] = proto.MultiResult{Op: proto.OpDelete}
				}
				fc.send(&proto.ReplyHeader{Xid: h.Xid, Zxid: 1}, &proto.MultiResponse{Results: body})
				return true, false
			})
		})
		c := fakeDial(t, f, Config{})
		defer c.Close()
		resp := &proto.MultiResponse{}
		err := c.Do(context.Background(), &Call{Op: proto.OpMulti, Resp: resp,
			Req: &proto.MultiRequest{Ops: []proto.MultiOp{{Op: proto.OpDelete, Req: &proto.DeleteRequest{Path: "/a", Version: -1}}}}})
		var pe *ProtocolError
		if !errors.As(err, &pe) || !errors.Is(err, proto.ErrTooManyResults) {
			t.Fatalf("1-op multi answered with %d results: %v (%d results decoded); want a protocol error", results, err, len(resp.Results))
		}
		if len(resp.Results) > 1 {
			t.Fatalf("%d results decoded for 1 op", len(resp.Results))
		}
		t.Logf("error: %v", err)
		if _, err := fakeGet(c, "/"); err != nil {
			t.Fatalf("call after the reconnect: %v", err)
		}
	})
}

// An idle session stays alive on pings alone, well beyond its timeout: the
// fake expires the session (drops the connection, refuses it afterwards)
// if nothing arrives for a whole session timeout, as a server does.
// (Formerly a real-server test that slept 8 s of wall time.)
func TestFakePingKeepsIdleSessionAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		pings, expired := 0, false
		f := newFake(func(fc *fakeConn) {
			req, err := fc.accept()
			if err != nil {
				return
			}
			mu.Lock()
			dead := expired && req.SessionID != 0
			mu.Unlock()
			if dead {
				return
			}
			for {
				fc.SetReadDeadline(time.Now().Add(6 * time.Second))
				h, _, err := fc.request()
				if err != nil {
					mu.Lock()
					expired = true
					mu.Unlock()
					return
				}
				if h.Xid == proto.XidPing {
					mu.Lock()
					pings++
					mu.Unlock()
				}
				if fc.answer(h) != nil || h.Type == proto.OpCloseSession {
					return
				}
			}
		})
		rec := newRecorder()
		c := fakeDial(t, f, Config{Events: rec})
		id := c.SessionID()
		time.Sleep(3 * c.NegotiatedTimeout())
		if _, err := fakeGet(c, "/"); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n, gone := pings, expired
		mu.Unlock()
		if gone || n < 8 {
			t.Fatalf("after 18 s idle: %d pings (want one every 2 s), expired %v", n, gone)
		}
		if c.SessionID() != id || f.dialCount() != 1 {
			t.Fatalf("session %s after %d dials", sessionHex(c.SessionID()), f.dialCount())
		}
		wantStates(t, rec, connectedNew)
		c.Close()
	})
}
