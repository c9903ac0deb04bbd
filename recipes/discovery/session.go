package discovery

import (
	"context"
	"errors"
	"time"

	"github.com/zkwire/zk"
)

// waitNewSession waits until the client has a session other than old and
// is connected. It fails with zk.ErrSessionExpired when the client will
// never get one (built without zk.WithNewSessionOnExpiry), zk.ErrClosed
// when it was closed, or ctx's error.
func waitNewSession(ctx context.Context, c Client, old int64) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := c.SessionEvents(sctx)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if c.SessionID() != old && connected(c.State()) {
			return nil
		}
		select {
		case _, ok := <-events:
			if ok {
				continue
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if c.SessionID() != old && connected(c.State()) {
				return nil
			}
			if c.State() == zk.StateClosed {
				return zk.ErrClosed
			}
			return zk.ErrSessionExpired
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func connected(s zk.State) bool {
	return s == zk.StateConnected || s == zk.StateConnectedReadOnly
}

// backoff sleeps before retry n (from 0): 50 ms doubling up to 1 s. It
// reports false when ctx ended.
func backoff(ctx context.Context, n int) bool {
	d := min(50*time.Millisecond<<min(n, 5), time.Second)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// terminal reports whether err means the client will never serve a
// registration again.
func terminal(err error) bool {
	return errors.Is(err, zk.ErrClosed) || errors.Is(err, zk.ErrAuthFailed)
}
