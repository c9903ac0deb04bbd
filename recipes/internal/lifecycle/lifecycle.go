// Package lifecycle holds what several recipes need to follow a client's
// session: waiting for a new session after expiry and telling final
// errors from passing ones (Terminal, Recover). Pauses between retries are
// package backoff.
package lifecycle

import (
	"context"
	"errors"

	"github.com/zkwire/zk"
)

// Source is the part of *zk.Client these helpers read.
type Source interface {
	SessionEvents(ctx context.Context) <-chan zk.SessionEvent
	SessionID() int64
	State() zk.State
}

// Connected reports whether s is a state in which calls are served.
func Connected(s zk.State) bool {
	return s == zk.StateConnected || s == zk.StateConnectedReadOnly
}

// Terminal reports errors after which the client will never serve a call
// again: it was closed, or its credentials were refused.
func Terminal(err error) bool {
	return errors.Is(err, zk.ErrClosed) || errors.Is(err, zk.ErrAuthFailed)
}

// Recover is the one answer of a recipe's keeper loop to err, the failure
// of one round:
//   - ctx (the loop's) ended: stop, with nothing to report;
//   - the client will never serve a call again (Terminal): stop with err;
//   - the session expired: wait on events for a connection to the next
//     session; stop with err if none comes (the client was built without
//     zk.WithNewSessionOnExpiry, or closed);
//   - connection loss: go on (calls wait for the next connection);
//   - anything else (no permission, a parent that cannot have children...):
//     stop with err until the loop has started (started false: its Start
//     reports it); afterwards someone may fix it, so go on.
//
// A loop that goes on pauses first (package backoff), so that no failure,
// lasting or not, makes it spin.
func Recover(ctx context.Context, err error, events <-chan zk.SessionEvent, started bool) (stop bool, why error) {
	switch {
	case ctx.Err() != nil:
		return true, nil
	case Terminal(err):
		return true, err
	case errors.Is(err, zk.ErrSessionExpired):
		if !AwaitConnected(ctx, events) {
			if ctx.Err() != nil {
				return true, nil
			}
			return true, err
		}
		return false, nil
	case errors.Is(err, zk.ErrConnectionLoss):
		return false, nil
	}
	if !started {
		return true, err
	}
	return false, nil
}

// WaitNewSession waits until c has a session other than old and is
// connected. It fails with zk.ErrSessionExpired when the client will never
// get one (built without zk.WithNewSessionOnExpiry), zk.ErrAuthFailed or
// zk.ErrClosed when it ended that way, or ctx's error. It follows
// SessionEvents alone: its first event is the state now, so a change that
// came before the subscription is not missed, and its last is the
// session's end.
func WaitNewSession(ctx context.Context, c Source, old int64) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	last := zk.SessionEvent{State: zk.StateClosed}
	for ev := range c.SessionEvents(sctx) {
		if ev.SessionID != old && Connected(ev.State) {
			return nil
		}
		last = ev
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case last.State == zk.StateAuthFailed:
		return zk.ErrAuthFailed
	case last.State == zk.StateExpired:
		return zk.ErrSessionExpired
	default:
		return zk.ErrClosed
	}
}

// AwaitConnected waits for a connected state on events; false when the
// stream ends (the client closed, or its session ended for good) or ctx
// ends first.
func AwaitConnected(ctx context.Context, events <-chan zk.SessionEvent) bool {
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return false
			}
			if Connected(ev.State) {
				return true
			}
		case <-ctx.Done():
			return false
		}
	}
}
