package zk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// A client partitioned from every server reports StateLost (on
// SessionEvents and to listeners) once the negotiated session timeout has
// passed since it last heard from a server, and a Get with a context that
// never ends, issued while disconnected, returns by then with connection
// loss that is safe to retry.
func TestPartitionedClientLosesSession(t *testing.T) {
	t.Parallel()
	proxy := startProxy(t, srv.Addr())
	rec := &stateRecorder{}
	c := connectTo(t, []string{proxy.Addr()}, zk.WithSessionTimeout(4*time.Second), zk.WithStateListener(rec.add))
	events := c.SessionEvents(ctxFor(t, time.Minute))
	timeout := c.SessionTimeout()
	cutAt := time.Now()
	proxy.SetBlackhole(true)
	rec.waitFor(t, zk.StateDisconnected, 1, 2*timeout)

	got := make(chan error, 1)
	go func() {
		_, _, err := c.Get(context.Background(), "/")
		got <- err
	}()
	// Last heard at most a ping interval before the cut; Lost comes at
	// most the timeout after that (plus slack for a loaded machine).
	bound := time.Until(cutAt.Add(timeout + 2*time.Second))
	select {
	case err := <-got:
		if !errors.Is(err, zk.ErrConnectionLoss) || !zk.SafeToRetry(err) {
			t.Fatalf("Get while partitioned: %v; want ErrConnectionLoss, safe to retry", err)
		}
		t.Logf("Get returned %v after the cut: %v", time.Since(cutAt).Round(time.Millisecond), err)
	case <-time.After(bound):
		t.Fatalf("Get(context.Background()) still waits %v after the cut (session timeout %v)", time.Since(cutAt), timeout)
	}
	if s := c.State(); s != zk.StateLost {
		t.Fatalf("state %v, want Lost", s)
	}
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateLost {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no StateLost on SessionEvents")
		}
	}
}
