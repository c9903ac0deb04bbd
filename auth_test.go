package zk_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// wireRecorder is a dialer that keeps every byte the client writes, per
// connection, so a test can count the frames it sent.
type wireRecorder struct {
	mu    sync.Mutex
	conns []*bytes.Buffer
	addrs []string
}

func (w *wireRecorder) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	w.mu.Lock()
	w.addrs = append(w.addrs, addr)
	w.mu.Unlock()
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	buf := &bytes.Buffer{}
	w.mu.Lock()
	w.conns = append(w.conns, buf)
	w.mu.Unlock()
	return &recordingConn{Conn: nc, w: w, buf: buf}, nil
}

func (w *wireRecorder) dialed() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.addrs...)
}

type recordingConn struct {
	net.Conn
	w   *wireRecorder
	buf *bytes.Buffer
}

func (c *recordingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.w.mu.Lock()
	c.buf.Write(b[:n])
	c.w.mu.Unlock()
	return n, err
}

// frames returns, per connection, the (xid, opcode) of every request
// after the ConnectRequest, and the payload of auth packets.
func (w *wireRecorder) frames() [][]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out [][]string
	for _, buf := range w.conns {
		b := buf.Bytes()
		var list []string
		for first := true; len(b) >= 4; first = false {
			n := int(binary.BigEndian.Uint32(b))
			if len(b) < 4+n {
				break
			}
			f := b[4 : 4+n]
			b = b[4+n:]
			if first || len(f) < 8 {
				continue
			}
			xid, op := int32(binary.BigEndian.Uint32(f)), int32(binary.BigEndian.Uint32(f[4:]))
			list = append(list, fmt.Sprintf("%d/%d", xid, op))
		}
		out = append(out, list)
	}
	return out
}

// captureHandler keeps every log record, at every level, as text.
type captureHandler struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
	h   slog.Handler
}

func newCapture() (*slog.Logger, func() string) {
	var mu sync.Mutex
	buf := &bytes.Buffer{}
	h := slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug - 8})
	return slog.New(captureHandler{&mu, buf, h}), func() string { mu.Lock(); defer mu.Unlock(); return buf.String() }
}

func (c captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (c captureHandler) Handle(ctx context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.h.Handle(ctx, r)
}
func (c captureHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return captureHandler{c.mu, c.buf, c.h.WithAttrs(a)}
}
func (c captureHandler) WithGroup(g string) slog.Handler {
	return captureHandler{c.mu, c.buf, c.h.WithGroup(g)}
}

// Digest credentials (given at Connect and added later, one of them
// twice) are replayed once each on a new connection, before any other
// request, and no password ever reaches the log.
func TestDigestAuthReplayedOnceNeverLogged(t *testing.T) {
	proxy := startProxy(t, srv.Addr())
	wire := &wireRecorder{}
	log, logged := newCapture()
	rec := &stateRecorder{}
	c := connectTo(t, []string{proxy.Addr()}, zk.WithAuth("digest", []byte("ann:s3cret-ann")),
		zk.WithDialer(wire.dial), zk.WithLogger(log), zk.WithStateListener(rec.add))
	ctx := ctxFor(t, 60*time.Second)
	for _, cred := range []string{"ben:s3cret-ben", "ben:s3cret-ben", "ann:s3cret-ann"} {
		if err := c.AddAuth(ctx, "digest", []byte(cred)); err != nil {
			t.Fatal(err)
		}
	}
	id := c.SessionID()
	proxy.Cut()
	rec.waitFor(t, zk.StateConnected, 2, 30*time.Second)
	ids, err := c.WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var digests []string
	for _, x := range ids {
		if x.AuthScheme == "digest" {
			digests = append(digests, x.User)
		}
	}
	if strings.Join(digests, ",") != "ann,ben" && strings.Join(digests, ",") != "ben,ann" {
		t.Fatalf("whoAmI after the reconnect: %v, want digest ann and ben", ids)
	}
	if c.SessionID() != id {
		t.Fatal("the session changed")
	}
	frames := wire.frames()
	if len(frames) < 2 {
		t.Fatalf("%d connections recorded", len(frames))
	}
	// The second connection: the two credentials (xid -4, opcode 100),
	// once each, ahead of every other request.
	second := frames[1]
	if len(second) < 3 || second[0] != "-4/100" || second[1] != "-4/100" {
		t.Fatalf("second connection sent %v, want two auth packets first", second)
	}
	for _, f := range second[2:] {
		if f == "-4/100" {
			t.Fatalf("second connection sent %v: a credential went twice", second)
		}
	}
	out := logged()
	if !strings.Contains(out, "connected") {
		t.Fatalf("the log is empty or misses connects: %q", out)
	}
	for _, secret := range []string{"s3cret", "ann:s3", "ben:s3"} {
		if strings.Contains(out, secret) {
			t.Fatalf("the log shows a password:\n%s", out)
		}
	}
}
