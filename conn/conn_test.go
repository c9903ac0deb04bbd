package conn

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
	"github.com/zkwire/zk/zktest"
)

var srv *zktest.Server

func TestMain(m *testing.M) {
	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
}

// states records StateChange calls and notifications.
type states struct {
	mu     sync.Mutex
	seen   []proto.State
	newSes []bool
	events []proto.WatcherEvent
}

func (s *states) Notification(ev proto.WatcherEvent) {
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
}

func (s *states) StateChange(st proto.State, newSession bool) {
	s.mu.Lock()
	s.seen = append(s.seen, st)
	s.newSes = append(s.newSes, newSession)
	s.mu.Unlock()
}

func (s *states) count(st proto.State) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, x := range s.seen {
		if x == st {
			n++
		}
	}
	return n
}

func waitFor(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func dial(t *testing.T, cfg Config) *Conn {
	t.Helper()
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = 6 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func getData(c *Conn, ctx context.Context, path string) (*proto.GetDataResponse, error) {
	resp := &proto.GetDataResponse{}
	err := c.Do(ctx, &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: path}, Resp: resp})
	return resp, err
}

func TestPipelinedCalls(t *testing.T) {
	c := dial(t, Config{Servers: []string{srv.Addr()}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	calls := make([]*Call, 1000)
	for i := range calls {
		calls[i] = &Call{Op: proto.OpExists, Req: &proto.ExistsRequest{Path: "/zookeeper"}, Resp: &proto.ExistsResponse{}}
		if err := c.Submit(calls[i]); err != nil {
			t.Fatal(err)
		}
	}
	var last int64
	for i, call := range calls {
		if err := c.Wait(ctx, call); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if call.Zxid < last {
			t.Fatalf("replies out of order: zxid %d after %d", call.Zxid, last)
		}
		last = call.Zxid
	}
	if c.LastZxid() <= 0 {
		t.Fatal("last zxid not tracked")
	}
}

func TestPingKeepsIdleSessionAlive(t *testing.T) {
	c := dial(t, Config{Servers: []string{srv.Addr()}, SessionTimeout: 4 * time.Second})
	id := c.SessionID()
	time.Sleep(2 * c.NegotiatedTimeout())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := getData(c, ctx, "/"); err != nil {
		t.Fatal(err)
	}
	if c.SessionID() != id || c.State() != proto.StateSyncConnected {
		t.Fatalf("session %x state %v after idling", c.SessionID(), c.State())
	}
}

func TestCancelBeforeWriteNeverSends(t *testing.T) {
	// The writer is stalled behind a black-holed proxy, so queued calls
	// cannot have been written when their context ends.
	p, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := dial(t, Config{Servers: []string{p.Addr()}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := "/cancelled-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	create := &Call{Op: proto.OpCreate, Req: &proto.CreateRequest{Path: path, ACL: worldACL}, Resp: &proto.CreateResponse{}}
	if err := c.Do(ctx, create); !errors.Is(err, context.Canceled) {
		t.Fatalf("Do with a cancelled ctx: %v", err)
	}
	// Queued, then cancelled.
	c.mu.Lock() // hold the writer off the queue
	create2 := &Call{Op: proto.OpCreate, Req: &proto.CreateRequest{Path: path, ACL: worldACL}, Resp: &proto.CreateResponse{}}
	if err := create2.encode(c.cfg.MaxPacketSize); err != nil {
		t.Fatal(err)
	}
	create2.done = make(chan struct{})
	create2.setXid(c.newXid())
	c.queue = append(c.queue, create2)
	c.mu.Unlock()
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := c.Wait(ctx2, create2); !errors.Is(err, context.Canceled) && create2.state.Load() != callSent {
		t.Fatalf("Wait: %v", err)
	}
	// Calls behind it complete normally, and the cancelled create never ran.
	ctx3, cancel3 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel3()
	exists := &Call{Op: proto.OpExists, Req: &proto.ExistsRequest{Path: path}, Resp: &proto.ExistsResponse{}}
	err = c.Do(ctx3, exists)
	if create2.state.Load() == callCancelled && !errors.Is(err, proto.ErrNoNode) {
		t.Fatalf("exists after cancelled create: %v (the create was sent)", err)
	}
}

var worldACL = []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "world", ID: "anyone"}}}

func TestRestartKeepsSession(t *testing.T) {
	s, err := zktest.StartServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec := &states{}
	c := dial(t, Config{Servers: []string{s.Addr()}, SessionTimeout: 20 * time.Second, Events: rec})
	id := c.SessionID()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, func() bool { return rec.count(proto.StateSyncConnected) >= 2 })
	if c.SessionID() != id {
		t.Fatal("session changed")
	}
	rec.mu.Lock()
	want := []proto.State{proto.StateSyncConnected, proto.StateDisconnected, proto.StateSyncConnected}
	got, newSes := rec.seen, rec.newSes
	rec.mu.Unlock()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("states %v, want %v", got, want)
		}
	}
	if !newSes[0] || newSes[2] {
		t.Fatalf("newSession flags %v", newSes)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := getData(c, ctx, "/"); err != nil {
		t.Fatal(err)
	}
}

func TestExpiryAndNewSession(t *testing.T) {
	rec := &states{}
	c := dial(t, Config{Servers: []string{srv.Addr()}, Events: rec, NewSessionOnExpiry: true})
	old := c.SessionID()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := zktest.ExpireSession(ctx, srv.Addr(), old, c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	// The client may re-attach to the old session once before the server
	// closes it, so wait for the new session rather than count states.
	waitFor(t, 30*time.Second, func() bool {
		return rec.count(proto.StateExpired) == 1 && c.SessionID() != old && c.State() == proto.StateSyncConnected
	})
	if _, err := getData(c, ctx, "/"); err != nil {
		t.Fatal(err)
	}
}

func TestExpiryIsTerminalByDefault(t *testing.T) {
	rec := &states{}
	c := dial(t, Config{Servers: []string{srv.Addr()}, Events: rec})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, func() bool { return c.State() == proto.StateExpired })
	if _, err := getData(c, ctx, "/"); !errors.Is(err, proto.ErrSessionExpired) {
		t.Fatalf("call after expiry: %v", err)
	}
}

func TestAuthReplayAndRejectedScheme(t *testing.T) {
	s, err := zktest.StartServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := dial(t, Config{Servers: []string{s.Addr()}, SessionTimeout: 20 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.AddAuth(ctx, "digest", []byte("bob:pw")); err != nil {
		t.Fatal(err)
	}
	acl := []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "auth"}}}
	if err := c.Do(ctx, &Call{Op: proto.OpCreate, Req: &proto.CreateRequest{Path: "/bobs", ACL: acl}, Resp: &proto.CreateResponse{}}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddAuth(ctx, "nosuchscheme", []byte("x")); !errors.Is(err, proto.ErrAuthFailed) {
		t.Fatalf("unknown scheme: %v", err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	// After reconnecting (credentials replayed, the rejected one not) the
	// node is readable.
	waitFor(t, 30*time.Second, func() bool {
		_, err := getData(c, ctx, "/bobs")
		return err == nil
	})
}

func TestCloseFailsCallsInFlight(t *testing.T) {
	p, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := dial(t, Config{Servers: []string{p.Addr()}})
	p.SetBlackhole(true)
	var calls []*Call
	for i := 0; i < 10; i++ {
		call := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/"}, Resp: &proto.GetDataResponse{}}
		if err := c.Submit(call); err != nil {
			t.Fatal(err)
		}
		calls = append(calls, call)
	}
	time.Sleep(100 * time.Millisecond)
	c.Close()
	c.Close()
	for _, call := range calls {
		<-call.Done()
		if !errors.Is(call.Err, ErrClosed) {
			t.Fatalf("call in flight at Close: %v", call.Err)
		}
	}
	if err := c.Submit(&Call{Op: proto.OpPing}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Submit after Close: %v", err)
	}
}

func TestPacketTooLarge(t *testing.T) {
	c := dial(t, Config{Servers: []string{srv.Addr()}, MaxPacketSize: 1024})
	call := &Call{Op: proto.OpSetData, Req: &proto.SetDataRequest{Path: "/x", Data: make([]byte, 2000)}}
	if err := c.Submit(call); !errors.Is(err, ErrPacketTooLarge) {
		t.Fatalf("oversize request: %v", err)
	}
}

func TestChroot(t *testing.T) {
	ch := Chroot("/app")
	for in, want := range map[string]string{"/": "/app", "/a": "/app/a"} {
		if got := ch.Prefix(in); got != want {
			t.Fatalf("Prefix(%q) = %q", in, got)
		}
	}
	for in, want := range map[string]string{"/app": "/", "/app/a": "/a", "/apple": "/apple", "/other": "/other"} {
		if got := ch.Strip(in); got != want {
			t.Fatalf("Strip(%q) = %q", in, got)
		}
	}
}

// fakeServer accepts connections, answers the handshake, then plays
// script on each connection (what a real server cannot be made to do).
type fakeServer struct {
	l      net.Listener
	script func(c net.Conn, n int) // n counts connections from 0
	wg     sync.WaitGroup
}

func newFake(t *testing.T, script func(c net.Conn, n int)) *fakeServer {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{l: l, script: script}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for n := 0; ; n++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.wg.Add(1)
			go func(n int) { defer f.wg.Done(); defer c.Close(); f.script(c, n) }(n)
		}
	}()
	t.Cleanup(func() { l.Close(); f.wg.Wait() })
	return f
}

func readFrame(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint32(n[:]))
	_, err := io.ReadFull(r, b)
	return b, err
}

func writeRec(w io.Writer, recs ...proto.Record) error {
	b, start := jute.BeginFrame(nil)
	for _, r := range recs {
		b = r.AppendTo(b)
	}
	jute.EndFrame(b, start)
	_, err := w.Write(b)
	return err
}

// handshake answers a ConnectRequest with a fixed session.
func handshake(c net.Conn) error {
	if _, err := readFrame(c); err != nil {
		return err
	}
	return writeRec(c, &proto.ConnectResponse{TimeOut: 6000, SessionID: 42, Passwd: make([]byte, 16)})
}

// serveOne answers requests correctly until it is told to misbehave.
func serveRequests(c net.Conn, misbehave func(hdr proto.RequestHeader) bool) {
	for {
		f, err := readFrame(c)
		if err != nil {
			return
		}
		var hdr proto.RequestHeader
		if proto.Unmarshal(f, &hdr) != nil {
			return
		}
		if hdr.Xid != proto.XidPing && misbehave(hdr) {
			return
		}
		if hdr.Type == proto.OpGetData {
			writeRec(c, &proto.ReplyHeader{Xid: hdr.Xid, Zxid: 1}, &proto.GetDataResponse{Data: []byte("ok")})
		} else {
			writeRec(c, &proto.ReplyHeader{Xid: hdr.Xid, Zxid: 1})
		}
	}
}

func TestFakeServerMisbehaviour(t *testing.T) {
	cases := []struct {
		name string
		bad  func(c net.Conn, hdr proto.RequestHeader)
	}{
		{"wrong xid", func(c net.Conn, hdr proto.RequestHeader) {
			writeRec(c, &proto.ReplyHeader{Xid: hdr.Xid + 1000, Zxid: 1})
		}},
		{"2 GiB length prefix", func(c net.Conn, _ proto.RequestHeader) {
			c.Write([]byte{0x7f, 0xff, 0xff, 0xff})
		}},
		{"truncated body", func(c net.Conn, hdr proto.RequestHeader) {
			writeRec(c, &proto.ReplyHeader{Xid: hdr.Xid, Zxid: 1}, &proto.ErrorResponse{}) // 4 bytes where a GetDataResponse is due
		}},
		{"garbage", func(c net.Conn, _ proto.RequestHeader) {
			c.Write([]byte{0, 0, 0, 3, 1, 2, 3})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(c net.Conn, n int) {
				if handshake(c) != nil {
					return
				}
				serveRequests(c, func(hdr proto.RequestHeader) bool {
					if n == 0 && hdr.Type == proto.OpGetData {
						tc.bad(c, hdr)
						time.Sleep(50 * time.Millisecond)
						return true
					}
					return false
				})
			})
			rec := &states{}
			c := dial(t, Config{Servers: []string{f.l.Addr().String()}, Events: rec})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, err := getData(c, ctx, "/")
			if !errors.Is(err, proto.ErrConnectionLoss) {
				t.Fatalf("first call: %v, want ErrConnectionLoss", err)
			}
			// The client reconnects (same session) and the next call works.
			resp, err := getData(c, ctx, "/")
			if err != nil || string(resp.Data) != "ok" {
				t.Fatalf("after reconnect: %q %v", resp.Data, err)
			}
			if rec.count(proto.StateDisconnected) != 1 {
				t.Fatalf("states %v", rec.seen)
			}
		})
	}
}

func TestFakeServerStallTimesOut(t *testing.T) {
	f := newFake(t, func(c net.Conn, n int) {
		if handshake(c) != nil {
			return
		}
		if n == 0 {
			io.Copy(io.Discard, c) // read everything, answer nothing (no pings either)
			return
		}
		serveRequests(c, func(proto.RequestHeader) bool { return false })
	})
	rec := &states{}
	c := dial(t, Config{Servers: []string{f.l.Addr().String()}, Events: rec})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := getData(c, ctx, "/"); !errors.Is(err, proto.ErrConnectionLoss) {
		t.Fatalf("stalled call: %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Fatalf("stall detected after %v; the read timeout is 2/3 of 6 s", d)
	}
	if _, err := getData(c, ctx, "/"); err != nil {
		t.Fatal(err)
	}
}

func TestHandshakeDiagnostics(t *testing.T) {
	for name, reply := range map[string][]byte{
		"HTTP":  []byte("HTTP/1.1 400 Bad Request\r\n\r\n"),
		"TLS":   {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32},
		"short": {0, 0, 0, 1, 0},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, func(c net.Conn, _ int) {
				readFrame(c)
				c.Write(reply)
			})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			c, err := Dial(ctx, Config{Servers: []string{f.l.Addr().String()}})
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded against a bad server")
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Dial: %v", err)
			}
		})
	}
	// The diagnosis itself, as the session goroutine logs it.
	_, err := readHandshakeFrame(strings.NewReader("HTTP/1.1 400"))
	if err == nil || !strings.Contains(err.Error(), "HTTP") {
		t.Fatalf("HTTP diagnosis: %v", err)
	}
	_, err = readHandshakeFrame(strings.NewReader("\x15\x03\x03\x00"))
	if err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("TLS diagnosis: %v", err)
	}
}
