package zk_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/proto"
)

// Host names reach the dialer as given, on every attempt, so each
// connection resolves them again (a server that moved is found).
func TestHostNamesResolvedPerAttempt(t *testing.T) {
	_, port, _ := net.SplitHostPort(srv.Addr())
	byName := net.JoinHostPort("localhost", port)
	proxy := startProxy(t, srv.Addr())
	_, pport, _ := net.SplitHostPort(proxy.Addr())
	wire := &wireRecorder{}
	rec := &stateRecorder{}
	c := connectTo(t, []string{net.JoinHostPort("localhost", pport)}, zk.WithDialer(wire.dial), zk.WithStateListener(rec.add))
	proxy.Cut()
	rec.waitFor(t, zk.StateConnected, 2, 30*time.Second)
	dialed := wire.dialed()
	if len(dialed) < 2 {
		t.Fatalf("dialed %v, want at least two attempts", dialed)
	}
	for _, a := range dialed {
		if a != net.JoinHostPort("localhost", pport) {
			t.Fatalf("dialed %v: the dialer must get the name, not an address resolved once", dialed)
		}
	}
	if _, _, err := c.Get(ctxFor(t, 10*time.Second), "/"); err != nil {
		t.Fatal(err)
	}
	// The default dialer resolves names too.
	connectTo(t, []string{byName})
}

// forwarder relays connections from a listener to target.
func forwarder(t *testing.T, l net.Listener, target string) {
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(out, in); out.Close() }()
			go func() { defer wg.Done(); io.Copy(in, out); in.Close() }()
		}
	}()
}

// An IPv6 literal "[::1]:port" is dialed as such. The test servers listen
// on 127.0.0.1 only, so a relay on ::1 stands in front of one.
func TestIPv6Literal(t *testing.T) {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	forwarder(t, l, srv.Addr())
	addr := l.Addr().String()
	if !strings.HasPrefix(addr, "[::1]:") {
		t.Fatalf("listener address %q", addr)
	}
	wire := &wireRecorder{}
	c := connectTo(t, []string{addr}, zk.WithDialer(wire.dial))
	if _, _, err := c.Get(ctxFor(t, 10*time.Second), "/"); err != nil {
		t.Fatal(err)
	}
	if d := wire.dialed(); len(d) != 1 || d[0] != addr {
		t.Fatalf("dialed %v, want [%s]", d, addr)
	}
	// Without brackets the port cannot be told apart: refused before
	// anything is dialed.
	_, err = zk.Connect(ctxFor(t, 5*time.Second), []string{"::1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)})
	if err == nil || !strings.Contains(err.Error(), "::1") {
		t.Fatalf("unbracketed IPv6 address: %v", err)
	}
}

// With no server reachable the client keeps trying, every server in
// turn, at a bounded rate: pauses grow with jitter from 50-100 ms to
// 0.5-1 s, so 3 s hold at most 12 attempts.
func TestBackoffWhenNothingIsReachable(t *testing.T) {
	var closed []string
	for i := 0; i < 3; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed = append(closed, l.Addr().String())
		l.Close()
	}
	wire := &wireRecorder{}
	start := time.Now()
	_, err := zk.Connect(ctxFor(t, 3*time.Second), closed, zk.WithDialer(wire.dial))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("connect to closed ports: %v, want the deadline and the last refusal", err)
	}
	elapsed := time.Since(start)
	dialed := wire.dialed()
	t.Logf("%d attempts in %v", len(dialed), elapsed.Round(time.Millisecond))
	if len(dialed) > 12 {
		t.Fatalf("%d attempts in %v: %v", len(dialed), elapsed, dialed)
	}
	seen := map[string]bool{}
	for _, a := range dialed {
		seen[a] = true
	}
	if len(seen) != 3 {
		t.Fatalf("tried %v, want all three servers", dialed)
	}
}

// refuser is a server that reads each ConnectRequest and closes the
// connection without answering, as a server behind the client's zxid does
// (protocol.md §2.3 rule 3).
type refuser struct {
	l    net.Listener
	mu   sync.Mutex
	seen []proto.ConnectRequest
}

func startRefuser(t *testing.T) *refuser {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &refuser{l: l}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			nc.SetDeadline(time.Now().Add(10 * time.Second))
			var size [4]byte
			if _, err := io.ReadFull(nc, size[:]); err == nil {
				b := make([]byte, min(binary.BigEndian.Uint32(size[:]), 4096))
				if _, err := io.ReadFull(nc, b); err == nil {
					var req proto.ConnectRequest
					if proto.Unmarshal(b, &req) == nil {
						r.mu.Lock()
						r.seen = append(r.seen, req)
						r.mu.Unlock()
					}
				}
			}
			nc.Close()
		}
	}()
	return r
}

func (r *refuser) requests() []proto.ConnectRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]proto.ConnectRequest(nil), r.seen...)
}

// A server that refuses the handshake (closing without a reply, as one
// that is behind the client's zxid does) is skipped: the client presents
// its session and last zxid there, moves on to the next server, and keeps
// its session.
func TestRefusedHandshakeMovesOn(t *testing.T) {
	ref := startRefuser(t)
	proxy := startProxy(t, srv.Addr())
	rec := &stateRecorder{}
	c := connectTo(t, []string{ref.l.Addr().String(), proxy.Addr()}, zk.WithStateListener(rec.add))
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	id, zxid := c.SessionID(), c.LastZxid()
	if zxid <= 0 {
		t.Fatalf("last zxid %d after a create", zxid)
	}
	before := len(ref.requests())
	proxy.Cut()
	rec.waitFor(t, zk.StateConnected, 2, 30*time.Second)
	if _, _, err := c.Get(ctx, p); err != nil {
		t.Fatal(err)
	}
	if c.SessionID() != id {
		t.Fatalf("session %x, want %x kept", c.SessionID(), id)
	}
	reqs := ref.requests()
	if len(reqs) <= before {
		t.Fatal("the reconnect did not try the refusing server (round robin)")
	}
	last := reqs[len(reqs)-1]
	if last.SessionID != id || last.LastZxidSeen < zxid {
		t.Fatalf("the refusing server saw session %x, last zxid %d; want %x and at least %d", last.SessionID, last.LastZxidSeen, id, zxid)
	}
}
