//go:build go1.25

package conn

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// fakeDial connects to f inside a bubble. The session timeout is 6 s, so
// the read timeout is 4 s and a ping goes out after 2 s of silence.
func fakeDial(t *testing.T, f *fake, cfg Config) *Conn {
	t.Helper()
	if cfg.Servers == nil {
		cfg.Servers = []string{"fake:2181"}
	}
	cfg.Dialer = f.dial
	cfg.SessionTimeout = 6 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	return c
}

func fakeGet(c *Conn, path string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := getData(ctx, c, path, false)
	return string(resp.Data), err
}

// A reply that breaks the protocol closes the connection with a
// *ProtocolError; the call in flight fails with connection loss (not safe
// to retry: it was sent), and the session goes on over a new connection.
func TestFakeProtocolViolations(t *testing.T) {
	cases := []struct {
		name     string
		maxReply int
		bad      func(fc *fakeConn, h proto.RequestHeader)
	}{
		{"wrong xid", 0, func(fc *fakeConn, h proto.RequestHeader) {
			fc.send(&proto.ReplyHeader{Xid: h.Xid + 1, Zxid: 1})
		}},
		{"length above the hard bound", 0, func(fc *fakeConn, _ proto.RequestHeader) {
			fc.Write([]byte{0x40, 0, 0, 1}) // 1 GiB + 1
		}},
		{"notification above MaxReplySize", 1024, func(fc *fakeConn, _ proto.RequestHeader) {
			fc.send(&proto.ReplyHeader{Xid: proto.XidNotification, Zxid: -1}, &proto.WatcherEvent{Type: 3, State: 3, Path: "/" + string(make([]byte, 2000))})
		}},
		{"2 GiB length", 0, func(fc *fakeConn, _ proto.RequestHeader) {
			fc.Write([]byte{0x7f, 0xff, 0xff, 0xff})
		}},
		{"negative length", 0, func(fc *fakeConn, _ proto.RequestHeader) {
			fc.Write([]byte{0xff, 0xff, 0xff, 0xff})
		}},
		{"frame shorter than a reply header", 0, func(fc *fakeConn, _ proto.RequestHeader) {
			fc.Write([]byte{0, 0, 0, 3, 1, 2, 3})
		}},
		{"body missing", 0, func(fc *fakeConn, h proto.RequestHeader) {
			fc.send(&proto.ReplyHeader{Xid: h.Xid, Zxid: 1}) // getData's reply needs data and a Stat
		}},
		{"undecodable notification", 0, func(fc *fakeConn, _ proto.RequestHeader) {
			fc.send(&proto.ReplyHeader{Xid: proto.XidNotification, Zxid: -1}, &proto.ErrorResponse{Err: 3})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake(func(fc *fakeConn) {
					if _, err := fc.accept(); err != nil {
						return
					}
					fc.serve(func(h proto.RequestHeader, _ *jute.Reader) (bool, bool) {
						if fc.n == 0 && h.Type == proto.OpGetData {
							tc.bad(fc, h)
							return true, false
						}
						return false, false
					})
				})
				rec := newRecorder()
				c := fakeDial(t, f, Config{Events: rec, MaxReplySize: tc.maxReply})
				defer c.Close()
				_, err := fakeGet(c, "/")
				var pe *ProtocolError
				if !errors.Is(err, proto.ErrConnectionLoss) || !errors.As(err, &pe) || SafeToRetry(err) {
					t.Fatalf("call on the bad connection: %v; want connection loss caused by a *ProtocolError, not safe to retry", err)
				}
				t.Logf("error: %v", err)
				if data, err := fakeGet(c, "/"); err != nil || data != "ok" {
					t.Fatalf("call after the reconnect: %q, %v", data, err)
				}
				if c.SessionID() != fakeSession {
					t.Fatalf("session %s after reconnect", sessionHex(c.SessionID()))
				}
				wantStates(t, rec, connectedNew, disconnected, reconnected)
			})
		})
	}
}

// A connection on which nothing arrives for the read timeout (2/3 of the
// negotiated 6 s, despite the pings) is dropped and replaced; the session
// survives.
func TestFakeReadTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			if fc.n == 0 {
				io.Copy(io.Discard, fc) // swallow everything, answer nothing
				return
			}
			fc.serve(nil)
		})
		rec := newRecorder()
		c := fakeDial(t, f, Config{Events: rec})
		defer c.Close()
		start := time.Now()
		_, err := fakeGet(c, "/")
		if !errors.Is(err, proto.ErrConnectionLoss) || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("stalled call: %v", err)
		}
		if d := time.Since(start); d != 4*time.Second {
			t.Fatalf("dropped after %v, want the 4 s read timeout", d)
		}
		if _, err := fakeGet(c, "/"); err != nil {
			t.Fatal(err)
		}
		wantStates(t, rec, connectedNew, disconnected, reconnected)
	})
}

// An idle connection pings every half read timeout and stays up.
func TestFakePingCadence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var pings []time.Time
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			fc.serve(func(h proto.RequestHeader, _ *jute.Reader) (bool, bool) {
				if h.Xid == proto.XidPing {
					if h.Type != proto.OpPing {
						panic("ping with opcode " + h.Type.String())
					}
					pings = append(pings, time.Now())
				}
				return false, false
			})
		})
		rec := newRecorder()
		c := fakeDial(t, f, Config{Events: rec})
		defer c.Close()
		start := time.Now()
		time.Sleep(9 * time.Second) // 1.5 session timeouts of silence
		synctest.Wait()
		if len(pings) != 4 {
			t.Fatalf("%d pings in 9 s, want 4 (one per 2 s)", len(pings))
		}
		prev := start
		for _, p := range pings {
			if d := p.Sub(prev); d != 2*time.Second {
				t.Fatalf("ping %v after the previous write, want 2 s", d)
			}
			prev = p
		}
		// A write counts as activity: the next ping comes 2 s after it.
		time.Sleep(500 * time.Millisecond)
		if _, err := fakeGet(c, "/"); err != nil {
			t.Fatal(err)
		}
		sent := time.Now()
		time.Sleep(2500 * time.Millisecond)
		synctest.Wait()
		if last := pings[len(pings)-1]; last.Sub(sent) != 2*time.Second {
			t.Fatalf("ping %v after the last request, want 2 s", last.Sub(sent))
		}
		wantStates(t, rec, connectedNew)
	})
}

// A handshake answered by something that is not a ZooKeeper server is
// named in Dial's error. A TLS server is a configuration error that Dial
// reports at once; the others are retried until its context ends.
func TestFakeHandshakeDiagnostics(t *testing.T) {
	cases := []struct {
		name, reply, want string
	}{
		{"HTTP", "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "server speaks HTTP"},
		{"TLS alert", "\x15\x03\x03\x00\x02\x02\x32", "expects TLS"},
		{"TLS handshake", "\x16\x03\x03\x00\x30", "expects TLS"},
		{"absurd length", "\x00\x10\x00\x00\x00", "handshake frame length 1048576"},
		{"closed without reply", "", "closed the connection without answering"},
		{"read-only refusal", "\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07\xff\xff\xff\x89", "read-only"},
		{"garbage ConnectResponse", "\x00\x00\x00\x14\x00\x00\x00\x00\x00\x00\x27\x10\x00\x00\x00\x00\x00\x00\x00\x01\x7f\xff\xff\xff", "undecodable ConnectResponse"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake(func(fc *fakeConn) {
					fc.frame()
					fc.Write([]byte(tc.reply))
				})
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				c, err := Dial(ctx, Config{Servers: []string{"fake:2181"}, Dialer: f.dial})
				if err == nil {
					c.Close()
					t.Fatal("Dial succeeded")
				}
				fast := tc.want == "expects TLS"
				if errors.Is(err, context.DeadlineExceeded) == fast || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Dial: %v; want an error naming %q (at once: %v)", err, tc.want, fast)
				}
				t.Logf("Dial: %v", err)
			})
		})
	}
}

// A read-only server refusing the session (a bare 16-byte ReplyHeader)
// sends the client on to the next server.
func TestFakeReadOnlyRefusalTriesNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if strings.HasPrefix(fc.addr, "ro") {
				fc.frame()
				fc.send(&proto.ReplyHeader{Err: proto.ErrNotReadOnly})
				return
			}
			acceptAndServe(fc)
		})
		c := fakeDial(t, f, Config{Servers: []string{"ro:2181", "rw:2181"}, CanBeReadOnly: true})
		defer c.Close()
		if c.ServerAddr() != "rw:2181" || c.State() != proto.StateSyncConnected {
			t.Fatalf("connected to %q in state %v", c.ServerAddr(), c.State())
		}
	})
}

// The connect timeout (session timeout / servers, at least 1 s) bounds an
// attempt on a server that accepts but never answers.
func TestFakeConnectTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			fc.f.record(time.Now())
			io.Copy(io.Discard, fc)
		})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := Dial(ctx, Config{Servers: []string{"a:1", "b:1"}, Dialer: f.dial, SessionTimeout: 4 * time.Second})
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "connect timeout (2s)") {
			t.Fatalf("Dial: %v", err)
		}
		attempts := f.seen()
		if len(attempts) < 2 || attempts[1].(time.Time).Sub(attempts[0].(time.Time)) < 2*time.Second {
			t.Fatalf("attempts at %v: want a 2 s connect timeout each", attempts)
		}
	})
}

// With nothing reachable, attempts are spaced by a jittered backoff capped
// at 1 s: a bounded rate, not a busy loop.
func TestFakeBackoffIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(acceptAndServe)
		f.setRefuse(true)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, err := Dial(ctx, Config{Servers: []string{"a:1", "b:1", "c:1"}, Dialer: f.dial})
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("Dial: %v", err)
		}
		// The mean pause is 0.5 s once the ceiling reaches 1 s: about 40
		// attempts in 20 s; random, so the bounds are loose.
		if n := f.dialCount(); n < 15 || n > 80 {
			t.Fatalf("%d attempts in 20 s", n)
		}
	})
}

// Requests are coalesced: everything queued while the writer was busy
// goes out in one write, in xid order from 1.
func TestFakeCoalescing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var reads int
		var xids []int32
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			<-release
			buf := make([]byte, 1<<20)
			var pending []byte
			for len(xids) < 200 {
				n, err := fc.Read(buf) // a net.Pipe read never spans two writes
				if err != nil {
					return
				}
				reads++
				pending = append(pending, buf[:n]...)
				for len(pending) >= 12 {
					size := int(uint32(pending[0])<<24 | uint32(pending[1])<<16 | uint32(pending[2])<<8 | uint32(pending[3]))
					if len(pending) < 4+size {
						break
					}
					var h proto.RequestHeader
					proto.Unmarshal(pending[4:4+size], &h)
					pending = pending[4+size:]
					xids = append(xids, h.Xid)
					fc.answer(h)
				}
			}
			fc.serve(nil)
		})
		c := fakeDial(t, f, Config{})
		defer c.Close()
		calls := make([]*Call, 200)
		for i := range calls {
			calls[i] = &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/"}, Resp: &proto.GetDataResponse{}}
			if err := c.Submit(calls[i]); err != nil {
				t.Fatal(err)
			}
		}
		close(release)
		for i, call := range calls {
			<-call.Done()
			if call.Err != nil || string(call.Resp.(*proto.GetDataResponse).Data) != "ok" {
				t.Fatalf("call %d: %v", i, call.Err)
			}
		}
		if reads > 3 {
			t.Fatalf("200 queued requests took %d writes", reads)
		}
		for i, x := range xids {
			if x != int32(i+1) {
				t.Fatalf("xid %d at position %d; want 1, 2, 3, ...", x, i)
			}
		}
	})
}

func TestNextXid(t *testing.T) {
	for in, want := range map[int32]int32{0: 1, 1: 2, 41: 42, 1<<31 - 2: 1<<31 - 1, 1<<31 - 1: 1, -5: 1} {
		if got := nextXid(in); got != want {
			t.Fatalf("nextXid(%d) = %d, want %d", in, got, want)
		}
	}
}

// brokenConn fails one write after passing on its first `pass` bytes.
type brokenConn struct {
	net.Conn
	writes, failAt int
	pass           func(p []byte) int
}

func (b *brokenConn) Write(p []byte) (int, error) {
	b.writes++
	if b.writes != b.failAt {
		return b.Conn.Write(p)
	}
	n := b.pass(p)
	if n > 0 {
		b.Conn.Write(p[:n])
	}
	b.Conn.Close()
	return n, errors.New("write failed (test)")
}

// When a write fails, calls whose bytes provably never left are queued
// again for the next connection instead of failing; calls that were
// (even partly) written fail with connection loss, not safe to retry.
func TestFakeFailedWriteRequeuesUnsentCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var paths []string
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			fc.serve(func(h proto.RequestHeader, r *jute.Reader) (bool, bool) {
				if h.Type == proto.OpGetData && fc.n == 0 {
					return true, false // never answered: the connection breaks first
				}
				if h.Type == proto.OpGetData {
					var req proto.GetDataRequest
					req.Decode(r)
					paths = append(paths, req.Path)
				}
				return false, false
			})
		})
		dials := 0
		dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := f.dial(ctx, network, addr)
			dials++
			if dials != 1 {
				return nc, err
			}
			// The first connection's second write (the first batch) gets
			// exactly its first frame out, then breaks.
			return &brokenConn{Conn: nc, failAt: 2, pass: func(p []byte) int {
				return 4 + int(uint32(p[0])<<24|uint32(p[1])<<16|uint32(p[2])<<8|uint32(p[3]))
			}}, nil
		}
		rec := newRecorder()
		c, err := Dial(context.Background(), Config{Servers: []string{"fake:1"}, Dialer: dialer, Events: rec})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		a := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/a"}, Resp: &proto.GetDataResponse{}}
		b := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/b"}, Resp: &proto.GetDataResponse{}}
		c.Submit(a)
		c.Submit(b)
		<-a.Done()
		<-b.Done()
		if !errors.Is(a.Err, proto.ErrConnectionLoss) || SafeToRetry(a.Err) {
			t.Fatalf("written call: %v; want connection loss, not safe to retry", a.Err)
		}
		if b.Err != nil {
			t.Fatalf("unwritten call: %v; want it sent again on the next connection", b.Err)
		}
		if !slices.Equal(paths, []string{"/b"}) {
			t.Fatalf("the second connection saw %v, want [/b]", paths)
		}
		wantStates(t, rec, connectedNew, disconnected, reconnected)
	})
}
