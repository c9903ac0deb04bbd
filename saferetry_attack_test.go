package zk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// A create whose request reached the server but whose reply was dropped
// was applied: whatever ends the call (connection loss, StateLost, the
// caller's context), its error must not say it is safe to retry.
func TestAttackSafeToRetryAfterAppliedCreate(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"deadline", "ctx"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			ctx := ctxFor(t, time.Minute)
			obs := connect(t)
			dir := testPath(t) + how
			mustCreate(t, obs, dir, nil)
			px := startProxy(t, srv.Addr())
			c := connectTo(t, []string{px.Addr()}, zk.WithSessionTimeout(4*time.Second))
			px.DropDirection(false, true) // requests pass, replies do not
			callCtx := context.Background()
			if how == "ctx" {
				var cancel context.CancelFunc
				callCtx, cancel = context.WithTimeout(ctx, 500*time.Millisecond)
				defer cancel()
			}
			done := make(chan error, 1)
			go func() {
				_, err := c.Create(callCtx, dir+"/n", nil, zk.Persistent, open)
				done <- err
			}()
			eventually(t, 10*time.Second, func() error {
				if ok, _, _ := obs.Exists(ctx, dir+"/n"); !ok {
					return errors.New("create not applied yet")
				}
				return nil
			})
			select {
			case err := <-done:
				if err == nil || zk.SafeToRetry(err) {
					t.Fatalf("applied create ended with %v, SafeToRetry=%v", err, zk.SafeToRetry(err))
				}
				t.Logf("%s: %v", how, err)
			case <-time.After(30 * time.Second):
				t.Fatal("create never returned")
			}
		})
	}
}

// A create cancelled while queued (the client disconnected) is safe to
// retry only if it is never sent: after the reconnection, and a round
// trip after it, the node must not exist.
func TestAttackCancelledWhileQueuedNeverSent(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, time.Minute)
	obs := connect(t)
	dir := testPath(t)
	mustCreate(t, obs, dir, nil)
	px := startProxy(t, srv.Addr())
	rec := &stateRecorder{}
	c := connectTo(t, []string{px.Addr()}, zk.WithSessionTimeout(10*time.Second), zk.WithStateListener(rec.add))
	px.SetRefuse(true)
	px.Cut()
	rec.waitFor(t, zk.StateDisconnected, 1, 10*time.Second)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err := c.Create(short, dir+"/n", nil, zk.Persistent, open)
	cancel()
	if !zk.SafeToRetry(err) {
		t.Fatalf("create cancelled while disconnected: %v, SafeToRetry false", err)
	}
	px.SetRefuse(false)
	if _, _, err := c.Exists(ctx, dir); err != nil { // a round trip on the new connection
		t.Fatal(err)
	}
	if ok, _, err := obs.Exists(ctx, dir+"/n"); err != nil || ok {
		t.Fatalf("a create reported safe to retry was applied (exists %v, %v)", ok, err)
	}
}

// A create queued while partitioned fails at StateLost as safe to retry;
// it must then never be sent, whether the client gets the session back or
// a new one.
func TestAttackFailedAtStateLostNeverSent(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, time.Minute)
	obs := connect(t)
	dir := testPath(t)
	mustCreate(t, obs, dir, nil)
	px := startProxy(t, srv.Addr())
	rec := &stateRecorder{}
	c := connectTo(t, []string{px.Addr()}, zk.WithSessionTimeout(4*time.Second),
		zk.WithStateListener(rec.add), zk.WithNewSessionOnExpiry())
	px.SetRefuse(true)
	px.Cut()
	rec.waitFor(t, zk.StateDisconnected, 1, 10*time.Second)
	_, err := c.Create(context.Background(), dir+"/n", nil, zk.Persistent, open)
	if !errors.Is(err, zk.ErrConnectionLoss) || !zk.SafeToRetry(err) {
		t.Fatalf("create queued through StateLost: %v, SafeToRetry %v", err, zk.SafeToRetry(err))
	}
	px.SetRefuse(false)
	if _, _, err := c.Exists(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := obs.Exists(ctx, dir+"/n"); err != nil || ok {
		t.Fatalf("a create reported safe to retry was applied (exists %v, %v)", ok, err)
	}
}
