// Package backoff is the one pause between retries that every recipe
// retry loop uses, so that no loop can spin on a lasting failure (no
// permission, a parent that cannot be made, a reply too large...).
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

const (
	// First is the pause before the first retry.
	First = 50 * time.Millisecond
	// Max caps the pause: a fixed failure is retried at least this often.
	Max = 2 * time.Second
)

// Delay is the pause before retry n (from 0): First doubling up to Max,
// each drawn from [3/4, 5/4] of that so that clients failing together do
// not retry in step.
func Delay(n int) time.Duration {
	n = max(n, 0)
	d := Max
	if n < 16 {
		d = min(First<<n, Max)
	}
	return d*3/4 + rand.N(d/2+1)
}

// Pause waits Delay(n); it returns false if ctx ended first. Loops that
// must also wake on other channels select on time.After(Delay(n)).
func Pause(ctx context.Context, n int) bool {
	t := time.NewTimer(Delay(n))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Counter counts consecutive failures of one loop. The first retry is
// immediate (one failure is usually a passing blip, such as a connection
// drop that the next call waits out); from the second on the pauses are
// Delay(0), Delay(1), ... The zero value is ready.
type Counter struct{ n int }

// Wait pauses before the next retry and counts the failure; false if ctx
// ended.
func (c *Counter) Wait(ctx context.Context) bool {
	if c.n == 0 {
		c.n++
		return ctx.Err() == nil
	}
	ok := Pause(ctx, c.n-1)
	c.n++
	return ok
}

// Next returns the pause before the next retry and counts the failure,
// for loops that wait in their own select.
func (c *Counter) Next() time.Duration {
	if c.n == 0 {
		c.n++
		return 0
	}
	d := Delay(c.n - 1)
	c.n++
	return d
}

// Reset starts over after a success.
func (c *Counter) Reset() { c.n = 0 }
