// Package backoff is the one pause between retries that every recipe
// retry loop uses, so that no loop can spin on a lasting failure (no
// permission, a parent that cannot be made, a reply too large...).
package backoff

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/zkwire/zk"
)

const (
	// First is the first pause (the second retry's; the first retry is
	// immediate).
	First = 50 * time.Millisecond
	// Max caps the pause: a fixed failure is retried at least this often.
	Max = 2 * time.Second
)

// delay is the pause before retry n+1 (from 0): First doubling up to Max,
// each drawn from [3/4, 5/4] of that so that clients failing together do
// not retry in step.
func delay(n int) time.Duration {
	n = max(n, 0)
	d := Max
	if n < 16 {
		d = min(First<<n, Max)
	}
	return d*3/4 + rand.N(d/2+1)
}

// Counter counts consecutive failures of one loop. The first retry is
// immediate (one failure is usually a passing blip, such as a connection
// drop that the next call waits out); from the second on the pauses are
// First, 2*First, ... up to Max. The zero value is ready.
type Counter struct{ n int }

// Wait pauses before the next retry and counts the failure; false if ctx
// ended.
func (c *Counter) Wait(ctx context.Context) bool {
	d := c.Next()
	if d == 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Next returns the pause before the next retry and counts the failure,
// for loops that must also wake on other channels in their own select.
func (c *Counter) Next() time.Duration {
	c.n++
	if c.n == 1 {
		return 0
	}
	return delay(c.n - 2)
}

// Retry reports whether a call that failed with err is simply made again:
// after a connection loss (the next call waits for the next connection),
// having paused first. Only a loop for which sending the call twice is
// harmless may use it. An ended ctx fails the next call, which ends the
// loop.
func (c *Counter) Retry(ctx context.Context, err error) bool {
	if !errors.Is(err, zk.ErrConnectionLoss) {
		return false
	}
	c.Wait(ctx)
	return true
}

// Reset starts over after a success.
func (c *Counter) Reset() { c.n = 0 }
