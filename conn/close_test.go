package conn

// Close while the client is between connections.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk/proto"
)

// stallingDialer dials for real, but once armed, the next connection's
// first read (the ConnectResponse) waits until release: the client is then
// in the middle of a reconnect handshake for as long as the test wants.
type stallingDialer struct {
	mu      sync.Mutex
	armed   bool
	stalled chan struct{} // closed when a read is held
	release chan struct{}
}

func newStallingDialer() *stallingDialer {
	return &stallingDialer{stalled: make(chan struct{}), release: make(chan struct{})}
}

func (d *stallingDialer) arm() { d.mu.Lock(); d.armed = true; d.mu.Unlock() }

func (d *stallingDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	nc, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.armed {
		return nc, nil
	}
	d.armed = false
	return &stallConn{Conn: nc, d: d}, nil
}

type stallConn struct {
	net.Conn
	d    *stallingDialer
	once sync.Once
}

func (s *stallConn) Read(b []byte) (int, error) {
	s.once.Do(func() {
		close(s.d.stalled)
		<-s.d.release
	})
	return s.Conn.Read(b)
}

// Close during a reconnect handshake still ends the session on the
// server (as Java does, it sends closeSession once connected, within
// Close's time limit): the session's ephemeral node is gone at once, not
// after the session timeout.
func TestCloseDuringHandshakeClosesSession(t *testing.T) {
	t.Parallel()
	p := startProxy(t, srv.Addr())
	d := newStallingDialer()
	c, err := Dial(testCtx(t, 30*time.Second), Config{Servers: []string{p.Addr()}, SessionTimeout: 30 * time.Second, Dialer: d.dial})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := testCtx(t, 30*time.Second)
	id := c.SessionID()
	path := uniquePath(t)
	if err := c.Do(ctx, &Call{Op: proto.OpCreate,
		Req:  &proto.CreateRequest{Path: path, ACL: worldACL, Flags: 1}, // ephemeral
		Resp: &proto.CreateResponse{}}); err != nil {
		t.Fatal(err)
	}

	d.arm()
	p.Cut()
	select {
	case <-d.stalled:
	case <-time.After(20 * time.Second):
		t.Fatal("no reconnect handshake")
	}
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	eventually(t, 5*time.Second, "Close to start", func() error {
		if !c.isClosing() {
			return errors.New("not closing yet")
		}
		return nil
	})
	close(d.release)
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}

	// The server's view, right after Close returned.
	other := dial(t, Config{Servers: []string{srv.Addr()}})
	err = exists(ctx, other, path, false)
	dump, derr := srv.FourLetter(ctx, "dump")
	if derr != nil {
		t.Fatal(derr)
	}
	held := strings.Contains(strings.ToLower(dump), fmt.Sprintf("0x%x", uint64(id)))
	t.Logf("after Close: exists %s: %v; session %s in dump: %v", path, err, sessionHex(id), held)
	if !errors.Is(err, proto.ErrNoNode) {
		t.Fatalf("the ephemeral of the closed session still exists (exists: %v); dump:\n%s", err, dump)
	}
	if held {
		t.Fatalf("the server still lists session %s:\n%s", sessionHex(id), dump)
	}
}

// A server that closes plain connections without a word and does not
// speak TLS either is an outage, not a TLS port: retried until the
// context ends, and the error says nothing of TLS.
func TestSilentCloseIsNotTLS(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 512)
			nc.Read(buf) // the ConnectRequest, or a TLS client hello
			nc.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err = Dial(ctx, Config{Servers: []string{ln.Addr().String()}})
	if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "TLS") {
		t.Fatalf("Dial: %v; want the deadline, with no word of TLS", err)
	}
}
