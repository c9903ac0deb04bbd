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
