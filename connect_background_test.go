package zk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// ConnectBackground returns before any server answers; a call made at once
// waits for the session and succeeds.
func TestConnectBackgroundCallWaitsForSession(t *testing.T) {
	px, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	px.SetRefuse(true)
	c, err := zk.ConnectBackground([]string{px.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if s := c.State(); s != zk.StateConnecting {
		t.Fatalf("State() = %v before any server answered, want Connecting", s)
	}
	// While no server answers, a call waits until its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, _, err = c.Get(ctx, "/")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get with no server = %v, want the context's deadline", err)
	}
	px.SetRefuse(false)
	if _, _, err := c.Get(ctxFor(t, 20*time.Second), "/"); err != nil {
		t.Fatalf("Get once the server answers: %v", err)
	}
	if c.SessionID() == 0 {
		t.Fatal("no session id after a successful call")
	}
}

// Close ends a client that never connected, failing waiting calls with
// ErrClosed, and leaves no goroutine (zktest.Main checks).
func TestConnectBackgroundCloseBeforeSession(t *testing.T) {
	c, err := zk.ConnectBackground([]string{"127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.Get(ctxFor(t, 20*time.Second), "/")
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond) // let the call queue; the test holds either way
	c.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, zk.ErrClosed) {
			t.Fatalf("Get across Close = %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Get still waiting 10s after Close")
	}
}

// Bad arguments are the only error.
func TestConnectBackgroundBadArguments(t *testing.T) {
	if _, err := zk.ConnectBackground(nil); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Fatalf("no servers: %v, want ErrInvalidArgument", err)
	}
	if _, err := zk.ConnectBackground([]string{"no-port"}); err == nil {
		t.Fatal("a server without a port: no error")
	}
}
