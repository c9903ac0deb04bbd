package zk_test

import (
	"context"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// A call made with a context that has already ended sends nothing; its
// error must say so (SafeToRetry), as conn.Do's does and as a call
// cancelled while queued does.
func TestAttackEndedContextIsSafeToRetry(t *testing.T) {
	t.Parallel()
	c := connect(t)
	ctx, cancel := context.WithCancel(ctxFor(t, 10*time.Second))
	cancel()
	p := testPath(t)
	_, errCreate := c.Create(ctx, p, nil, zk.Persistent, open)
	_, _, errGet := c.Get(ctx, p)
	_, errMulti := c.Multi(ctx, zk.CreateOp(p, nil, zk.Persistent, open))
	_, _, _, errGetW := c.GetW(ctx, p)
	for name, err := range map[string]error{"Create": errCreate, "Get": errGet, "Multi": errMulti, "GetW": errGetW} {
		if err == nil || !zk.SafeToRetry(err) {
			t.Errorf("%s with an ended context: %v, SafeToRetry false", name, err)
		}
	}
}
