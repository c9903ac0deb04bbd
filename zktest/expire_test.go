package zktest

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

func TestExpireSession(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := rawConnect(t, srv.Addr(), 0, nil)
	if s.timeout == 0 || s.id == 0 || len(s.password) != 16 {
		t.Fatalf("new session: %+v", s)
	}
	// The session is alive: attaching to it again works (and takes it
	// over from s.conn).
	again := rawConnect(t, srv.Addr(), s.id, s.password)
	if again.timeout == 0 || again.id != s.id {
		t.Fatalf("re-attaching a live session: timeout %d, id 0x%x", again.timeout, again.id)
	}
	if err := ExpireSession(ctx, srv.Addr(), s.id, s.password); err != nil {
		t.Fatal(err)
	}
	// The server closed the session's connection ...
	again.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := again.conn.Read(make([]byte, 64)); err != io.EOF {
		t.Fatalf("the session's connection after expiry: read %d bytes, %v; want EOF", n, err)
	}
	// ... and answers a reconnect as for an expired session.
	after := rawConnect(t, srv.Addr(), s.id, s.password)
	if after.timeout != 0 {
		t.Fatalf("reconnecting after expiry: timeout %d ms, want 0 (invalid session)", after.timeout)
	}
	// A session that is gone already is not an error.
	if err := ExpireSession(ctx, srv.Addr(), s.id, s.password); err != nil {
		t.Fatalf("expiring an expired session: %v", err)
	}
}

func TestExpireSessionUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := ExpireSession(ctx, "127.0.0.1:1", 1, make([]byte, 16))
	if err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("ExpireSession on a closed port: %v", err)
	}
}
