package zk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// An operation whose context ended before it was called sends nothing:
// its error is still the context's (errors.Is), and SafeToRetry says a
// retry cannot apply it twice, as for a call cancelled while queued.
func TestEndedContextIsSafeToRetry(t *testing.T) {
	c := connect(t)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	open := zk.WorldACL(zk.PermAll)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, tc := range []struct {
		ctx  context.Context
		want error
	}{{cancelled, context.Canceled}, {expired, context.DeadlineExceeded}} {
		ctx := tc.ctx
		ops := map[string]func() error{
			"Create": func() error { _, err := c.Create(ctx, p+"/x", nil, zk.Persistent, open); return err },
			"Get":    func() error { _, _, err := c.Get(ctx, p); return err },
			"GetW":   func() error { _, _, _, err := c.GetW(ctx, p); return err },
			"Set":    func() error { _, err := c.Set(ctx, p, []byte("y"), -1); return err },
			"Delete": func() error { return c.Delete(ctx, p, -1) },
			"Exists": func() error { _, _, err := c.Exists(ctx, p); return err },
			"ChildrenW": func() error {
				_, _, _, err := c.ChildrenW(ctx, p)
				return err
			},
			"Multi": func() error { _, err := c.Multi(ctx, zk.DeleteOp(p, -1)); return err },
			"Sync":  func() error { return c.Sync(ctx, p) },
		}
		for name, op := range ops {
			err := op()
			if !errors.Is(err, tc.want) || !zk.SafeToRetry(err) {
				t.Errorf("%s with an ended context (%v): %v; want %v, SafeToRetry true (SafeToRetry=%v)",
					name, tc.want, err, tc.want, zk.SafeToRetry(err))
			}
		}
	}
	// None of them reached the server.
	ctx := ctxFor(t, 30*time.Second)
	if data, _, err := c.Get(ctx, p); err != nil || len(data) != 0 {
		t.Fatalf("node after the ended calls: %q, %v", data, err)
	}
	if ok, _, err := c.Exists(ctx, p+"/x"); err != nil || ok {
		t.Fatalf("child after the ended create: %v, %v", ok, err)
	}
}
