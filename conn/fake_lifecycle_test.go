//go:build go1.25

package conn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// seenFrame is a request a fake server received.
type seenFrame struct {
	conn int
	op   proto.Op
	xid  int32
	what string
}

func (s seenFrame) String() string {
	return fmt.Sprintf("#%d %v xid %d %s", s.conn, s.op, s.xid, s.what)
}

// recordingServer accepts every connection, records every request but
// pings, answers them, and stops (dropping the connection unanswered) at a
// getData of "/cut".
func recordingServer(fc *fakeConn) {
	if _, err := fc.accept(); err != nil {
		return
	}
	fc.serve(func(h proto.RequestHeader, r *jute.Reader) (bool, bool) {
		if h.Xid == proto.XidPing {
			return false, false
		}
		what := ""
		switch h.Type {
		case proto.OpAuth:
			var p proto.AuthPacket
			p.Decode(r)
			what = p.Scheme + ":" + string(p.Auth)
		case proto.OpGetData:
			var q proto.GetDataRequest
			q.Decode(r)
			what = q.Path
		case proto.OpSetWatches:
			var s proto.SetWatches
			s.Decode(r)
			what = fmt.Sprint(s.RelativeZxid, s.DataWatches, s.ExistWatches, s.ChildWatches)
		case proto.OpSetWatches2:
			var s proto.SetWatches2
			s.Decode(r)
			what = fmt.Sprint(s.RelativeZxid, s.DataWatches, s.ExistWatches, s.ChildWatches, s.PersistentWatches, s.PersistentRecursiveWatches)
		}
		fc.f.record(seenFrame{fc.n, h.Type, h.Xid, what})
		return false, what == "/cut"
	})
}

// cut drops the current connection (the fake stops at "/cut") while new
// ones are refused, and waits for the Disconnected state.
func cut(t *testing.T, c *Conn, f *fake, rec *recorder) {
	t.Helper()
	f.setRefuse(true)
	n := rec.count(proto.StateDisconnected)
	if _, err := fakeGet(c, "/cut"); !errors.Is(err, proto.ErrConnectionLoss) {
		t.Fatalf("call on the cut connection: %v", err)
	}
	synctest.Wait()
	if rec.count(proto.StateDisconnected) != n+1 {
		t.Fatalf("states %v after the cut", rec.stateList())
	}
}

func framesOf(f *fake, conn int) []string {
	var out []string
	for _, x := range f.seen() {
		if s, ok := x.(seenFrame); ok && s.conn == conn {
			out = append(out, fmt.Sprintf("%v %s", s.op, s.what))
		}
	}
	return out
}

// After a reconnect the wire carries, in this order: every credential
// (deduplicated, including ones added by AddAuth), the watches to restore
// (chroot prefixed, from the last zxid seen), then the requests queued
// while disconnected. A new session restores nothing.
func TestFakeReconnectOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(recordingServer)
		rec := newRecorder()
		rec.setWatches(WatchSet{Data: []string{"/w"}, Persistent: []string{"/"}})
		c := fakeDial(t, f, Config{
			Auth:   []AuthInfo{{"digest", []byte("a:1")}, {"digest", []byte("b:2")}, {"digest", []byte("a:1")}},
			Chroot: "/app", Events: rec, Watches: rec,
		})
		defer c.Close()
		ctx := context.Background()
		if err := c.AddAuth(ctx, "digest", []byte("c:3")); err != nil {
			t.Fatal(err)
		}
		if err := c.AddAuth(ctx, "digest", []byte("a:1")); err != nil {
			t.Fatal(err)
		}
		if _, err := fakeGet(c, "/x"); err != nil {
			t.Fatal(err)
		}
		cut(t, c, f, rec)
		queued := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/queued"}, Resp: &proto.GetDataResponse{}}
		if err := c.Submit(queued); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second) // a few refused attempts
		f.setRefuse(false)
		<-queued.Done()
		if queued.Err != nil {
			t.Fatal(queued.Err)
		}
		want0 := []string{"auth digest:a:1", "auth digest:b:2", "auth digest:c:3", "auth digest:a:1", "getData /x", "getData /cut"}
		if got := framesOf(f, 0); !slices.Equal(got, want0) {
			t.Fatalf("first connection:\n got %q\nwant %q", got, want0)
		}
		want1 := []string{"auth digest:a:1", "auth digest:b:2", "auth digest:c:3",
			"setWatches2 1 [/app/w] [] [] [/app] []", "getData /queued"}
		if got := framesOf(f, 1); !slices.Equal(got, want1) {
			t.Fatalf("second connection:\n got %q\nwant %q", got, want1)
		}
		// xids keep increasing across connections.
		var xids []int32
		for _, x := range f.seen() {
			if s := x.(seenFrame); s.xid > 0 {
				xids = append(xids, s.xid)
			}
		}
		for i, x := range xids {
			if (i == 0 && x != 1) || (i > 0 && x <= xids[i-1]) {
				t.Fatalf("xids %v: want strictly increasing from 1", xids)
			}
		}
		if rec.askedCount() != 1 {
			t.Fatalf("WatchesToRestore called %d times, want once (the reconnect)", rec.askedCount())
		}
		wantStates(t, rec, connectedNew, disconnected, reconnected)
	})
}

// A credential rejected while being replayed ends the session: AuthFailed,
// queued calls fail, no further attempts.
func TestFakeAuthFailedOnReplay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if fc.n == 0 {
				recordingServer(fc)
				return
			}
			fc.accept()
			if h, _, err := fc.request(); err == nil && h.Xid == proto.XidAuth {
				fc.send(&proto.ReplyHeader{Xid: proto.XidAuth, Err: proto.ErrAuthFailed})
			}
		})
		rec := newRecorder()
		c := fakeDial(t, f, Config{Auth: []AuthInfo{{"digest", []byte("u:p")}}, Events: rec})
		defer c.Close()
		cut(t, c, f, rec)
		queued := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/"}}
		if err := c.Submit(queued); err != nil {
			t.Fatal(err)
		}
		f.setRefuse(false)
		<-queued.Done()
		if !errors.Is(queued.Err, proto.ErrAuthFailed) {
			t.Fatalf("queued call: %v", queued.Err)
		}
		if err := c.Submit(&Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/"}}); !errors.Is(err, proto.ErrAuthFailed) {
			t.Fatalf("Submit after AuthFailed: %v", err)
		}
		dials := f.dialCount()
		time.Sleep(10 * time.Second)
		if f.dialCount() != dials || c.State() != proto.StateAuthFailed {
			t.Fatalf("state %v, %d more attempts after AuthFailed", c.State(), f.dialCount()-dials)
		}
		c.Close()
		wantStates(t, rec, connectedNew, disconnected, stateEvent{proto.StateAuthFailed, false}, stateEvent{proto.StateClosed, false})
	})
}

// AddAuth with a credential the server rejects returns AUTHFAILED; the
// server closes the connection and the client reconnects, keeping the
// session and its other credentials, without the rejected one.
func TestFakeAddAuthRejected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			fc.serve(func(h proto.RequestHeader, r *jute.Reader) (bool, bool) {
				if h.Type != proto.OpAuth {
					return false, false
				}
				var p proto.AuthPacket
				p.Decode(r)
				fc.f.record(seenFrame{fc.n, h.Type, h.Xid, p.Scheme})
				if p.Scheme == "bad" {
					fc.send(&proto.ReplyHeader{Xid: proto.XidAuth, Err: proto.ErrAuthFailed})
					return true, true
				}
				return false, false
			})
		})
		rec := newRecorder()
		c := fakeDial(t, f, Config{Auth: []AuthInfo{{"good", []byte("x")}}, Events: rec})
		defer c.Close()
		if err := c.AddAuth(context.Background(), "bad", []byte("y")); !errors.Is(err, proto.ErrAuthFailed) {
			t.Fatalf("AddAuth: %v", err)
		}
		if _, err := fakeGet(c, "/"); err != nil {
			t.Fatal(err)
		}
		if got := framesOf(f, 1); !slices.Equal(got, []string{"auth good"}) {
			t.Fatalf("replayed on the next connection: %q", got)
		}
		if c.SessionID() != fakeSession {
			t.Fatal("session changed")
		}
		wantStates(t, rec, connectedNew, disconnected, reconnected)
	})
}

// A server answering the reconnect with an invalid session expires it:
// queued calls fail with SESSIONEXPIRED, then the client stays expired, or
// with NewSessionOnExpiry opens a new session (and restores no watches).
func TestFakeExpiry(t *testing.T) {
	for _, renew := range []bool{false, true} {
		t.Run(fmt.Sprintf("NewSessionOnExpiry=%v", renew), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake(func(fc *fakeConn) {
					if fc.n == 1 {
						if req, err := fc.accept2(); err == nil {
							fc.f.record(req.SessionID)
						}
						return
					}
					recordingServer(fc)
				})
				rec := newRecorder()
				rec.setWatches(WatchSet{Data: []string{"/w"}})
				c := fakeDial(t, f, Config{Events: rec, Watches: rec, NewSessionOnExpiry: renew})
				defer c.Close()
				cut(t, c, f, rec)
				queued := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/"}}
				if err := c.Submit(queued); err != nil {
					t.Fatal(err)
				}
				f.setRefuse(false)
				<-queued.Done()
				if !errors.Is(queued.Err, proto.ErrSessionExpired) {
					t.Fatalf("queued call: %v", queued.Err)
				}
				synctest.Wait()
				if !renew {
					if err := c.Submit(&Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/"}}); !errors.Is(err, proto.ErrSessionExpired) {
						t.Fatalf("Submit after expiry: %v", err)
					}
					wantStates(t, rec, connectedNew, disconnected, stateEvent{proto.StateExpired, false})
					return
				}
				if _, err := fakeGet(c, "/"); err != nil {
					t.Fatal(err)
				}
				if c.SessionID() != fakeSession+2 {
					t.Fatalf("session %s, want the new one", sessionHex(c.SessionID()))
				}
				if rec.askedCount() != 0 {
					t.Fatal("watches restored on a new session")
				}
				wantStates(t, rec, connectedNew, disconnected, stateEvent{proto.StateExpired, false}, connectedNew)
			})
		})
	}
}

// accept2 reads the ConnectRequest and answers "session invalid".
func (fc *fakeConn) accept2() (proto.ConnectRequest, error) {
	var req proto.ConnectRequest
	f, err := fc.frame()
	if err == nil {
		err = proto.Unmarshal(f, &req)
	}
	if err != nil {
		return req, err
	}
	return req, fc.send(&proto.ConnectResponse{Passwd: make([]byte, 16)})
}

// Close sends closeSession, waits for its reply, and ends every goroutine.
func TestFakeCloseSendsCloseSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(recordingServer)
		rec := newRecorder()
		c := fakeDial(t, f, Config{Events: rec})
		c.Close()
		c.Close()
		if got := framesOf(f, 0); !slices.Equal(got, []string{"closeSession "}) {
			t.Fatalf("server saw %q", got)
		}
		if err := c.Submit(&Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/"}}); !errors.Is(err, ErrClosed) || !SafeToRetry(err) {
			t.Fatalf("Submit after Close: %v", err)
		}
		wantStates(t, rec, connectedNew, stateEvent{proto.StateClosed, false})
	})
}

// Close waits at most 2 s for an unresponsive server, then fails the calls
// in flight with ErrClosed.
func TestFakeCloseUnresponsiveServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err == nil {
				fc.serve(func(h proto.RequestHeader, _ *jute.Reader) (bool, bool) {
					return h.Xid != proto.XidPing, false // answer pings only
				})
			}
		})
		c := fakeDial(t, f, Config{})
		calls := make([]*Call, 5)
		for i := range calls {
			calls[i] = &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/"}}
			c.Submit(calls[i])
		}
		synctest.Wait()
		start := time.Now()
		c.Close()
		if d := time.Since(start); d != closeSessionWait {
			t.Fatalf("Close took %v", d)
		}
		for _, call := range calls {
			<-call.Done()
			if !errors.Is(call.Err, ErrClosed) || errors.Is(call.Err, proto.ErrConnectionLoss) {
				t.Fatalf("call in flight at Close: %v", call.Err)
			}
		}
	})
}

// A call whose context ends while it is queued is never sent, and the calls
// behind it go out normally; one whose context ends after it was sent
// returns at once, and its reply is consumed without harm.
func TestFakeCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			fc.serve(func(h proto.RequestHeader, r *jute.Reader) (bool, bool) {
				if h.Type == proto.OpGetData {
					var q proto.GetDataRequest
					q.Decode(r)
					fc.f.record(seenFrame{fc.n, h.Type, h.Xid, q.Path})
					switch q.Path {
					case "/cut":
						return false, true
					case "/slow":
						time.Sleep(time.Second)
					}
				}
				return false, false
			})
		})
		rec := newRecorder()
		c := fakeDial(t, f, Config{Events: rec})
		defer c.Close()

		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := getData(ctx, c, "/slow", false); !errors.Is(err, context.DeadlineExceeded) || SafeToRetry(err) || time.Since(start) != 100*time.Millisecond {
			t.Fatalf("cancelled after the write: %v after %v", err, time.Since(start))
		}
		if data, err := fakeGet(c, "/after"); err != nil || data != "ok" {
			t.Fatalf("call behind a cancelled one: %q %v", data, err)
		}

		cut(t, c, f, rec)
		ctx2, cancel2 := context.WithCancel(context.Background())
		a := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/cancelled"}, Resp: &proto.GetDataResponse{}}
		b := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/kept"}, Resp: &proto.GetDataResponse{}}
		aDone := make(chan error)
		go func() { aDone <- c.Do(ctx2, a) }()
		synctest.Wait()
		if err := c.Submit(b); err != nil {
			t.Fatal(err)
		}
		cancel2()
		if err := <-aDone; !errors.Is(err, context.Canceled) || !errors.Is(a.Err, context.Canceled) || !SafeToRetry(err) || !SafeToRetry(a.Err) {
			t.Fatalf("cancelled while queued: %v (call.Err %v); want context.Canceled, safe to retry (never sent)", err, a.Err)
		}
		f.setRefuse(false)
		<-b.Done()
		if b.Err != nil {
			t.Fatal(b.Err)
		}
		if got := framesOf(f, 1); !slices.Equal(got, []string{"getData /kept"}) {
			t.Fatalf("second connection saw %q", got)
		}
		wantStates(t, rec, connectedNew, disconnected, reconnected)
	})
}

// Notifications reach the sink before the reply that follows them
// completes, with the chroot stripped.
func TestFakeNotificationsBeforeReply(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			fc.serve(func(h proto.RequestHeader, _ *jute.Reader) (bool, bool) {
				if h.Type == proto.OpGetData {
					n := &proto.ReplyHeader{Xid: proto.XidNotification, Zxid: -1}
					for _, ev := range []proto.WatcherEvent{
						{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/app/x"},
						{Type: proto.EventNodeCreated, State: proto.StateSyncConnected, Path: "/app"},
						{Type: proto.EventNodeDeleted, State: proto.StateSyncConnected, Path: "/apple"},
						{Type: proto.EventNodeChildrenChanged, State: proto.StateSyncConnected, Path: "/app/x/y"},
					} {
						fc.send(n, &ev)
					}
				}
				return false, false
			})
		})
		rec := newRecorder()
		c := fakeDial(t, f, Config{Chroot: "/app", Events: rec})
		defer c.Close()
		seenAtReply := -1
		call := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/app/x"}, Resp: &proto.GetDataResponse{},
			OnReply: func(*Call) { seenAtReply = len(rec.eventList()) }}
		if err := c.Do(context.Background(), call); err != nil {
			t.Fatal(err)
		}
		if seenAtReply != 4 {
			t.Fatalf("%d notifications delivered when the reply completed, want 4", seenAtReply)
		}
		var paths []string
		for _, ev := range rec.eventList() {
			paths = append(paths, ev.Path)
		}
		if want := []string{"/x", "/", "/apple", "/x/y"}; !slices.Equal(paths, want) {
			t.Fatalf("paths %q, want %q", paths, want)
		}
		if c.LastZxid() != 1 {
			t.Fatalf("last zxid %d: notifications (zxid -1) must not count", c.LastZxid())
		}
	})
}

// Every connection is TLS when Config.TLS is set; the server name comes
// from the address when the config leaves it empty.
func TestFakeTLS(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cert, pool := selfSigned(t, "zk.test")
		f := newFake(func(fc *fakeConn) {
			fc.Conn = tls.Server(fc.Conn, &tls.Config{Certificates: []tls.Certificate{cert}})
			acceptAndServe(fc)
		})
		c := fakeDial(t, f, Config{Servers: []string{"zk.test:2281"}, TLS: &tls.Config{RootCAs: pool}})
		if data, err := fakeGet(c, "/"); err != nil || data != "ok" {
			t.Fatalf("getData over TLS: %q %v", data, err)
		}
		c.Close()

		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := Dial(ctx, Config{Servers: []string{"other.test:2281"}, Dialer: f.dial, TLS: &tls.Config{RootCAs: pool}})
		if err == nil || !strings.Contains(err.Error(), "TLS handshake") || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("Dial to a server with another name: %v", err)
		}
	})
}

func selfSigned(t *testing.T, host string) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// Submit refuses, without queueing or calling OnReply, a request over the
// packet limit, a call submitted twice, and a nil call.
func TestFakeSubmitErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := fakeDial(t, newFake(acceptAndServe), Config{MaxPacketSize: 100})
		defer c.Close()
		replied := false
		big := &Call{Op: proto.OpSetData, Req: &proto.SetDataRequest{Path: "/x", Data: make([]byte, 100)},
			OnReply: func(*Call) { replied = true }}
		if err := c.Submit(big); !errors.Is(err, ErrPacketTooLarge) || big.Done() != nil {
			t.Fatalf("oversize request: %v", err)
		}
		small := &Call{Op: proto.OpSetData, Req: &proto.SetDataRequest{Path: "/x", Data: make([]byte, 60)}}
		if err := c.Do(context.Background(), small); err != nil {
			t.Fatalf("request under the limit: %v", err)
		}
		if err := c.Submit(small); err == nil {
			t.Fatal("a call was submitted twice")
		}
		if err := c.Submit(nil); err == nil {
			t.Fatal("nil call accepted")
		}
		synctest.Wait()
		if replied {
			t.Fatal("OnReply called for a refused call")
		}
	})
}
