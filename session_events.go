package zk

import "context"

// SessionEvent is one change of the session's state, as recipes need it:
// they rebuild ephemeral nodes when NewSession is set and tell lock holders
// when State is StateExpired.
type SessionEvent struct {
	State State
	// SessionID is the session the client had when the state was reached
	// (0 while it has none).
	SessionID int64
	// NewSession is set on a connected state when the session differs from
	// the one before it: a new session replaced an expired one (see
	// WithNewSessionOnExpiry). Ephemeral nodes and server watches of the old
	// session are gone.
	NewSession bool
}

// SessionEvents delivers the session's state, then every change from now
// on, in order: the first event is the current state (NewSession false: it
// is not a change), so a reader never misses a change that came before it
// subscribed. The client never waits for the reader: events queue until
// read (state changes are rare, so the queue stays small). The channel is
// closed after the session's end (the last event is then StateClosed, or
// StateExpired/StateAuthFailed when the session ended that way; see Done),
// or after ctx ends. Subscribing after the end yields that final state
// alone. A nil ctx is bad input: the channel is closed at once, as it is
// for a ctx that has already ended.
func (c *Client) SessionEvents(ctx context.Context) <-chan SessionEvent {
	out := make(chan SessionEvent, subBuffer)
	if ctx == nil || ctx.Err() != nil {
		// A nil ctx is checked here: the reader goroutine would panic
		// where no caller can recover.
		close(out)
		return out
	}
	first, r := c.states.subscribe()
	out <- first // in the channel before it is returned: nothing can precede it
	if r == nil {
		close(out) // the session has ended: first was its final state
		return out
	}
	go func() {
		defer c.states.unsubscribe(r)
		defer close(out)
		feed(ctx, r, out, c.states.quit)
	}()
	return out
}

// subBuffer is how many events (the newest, the final state last) a reader
// that stopped reading can still get when the client closes.
const subBuffer = 16

// feed drains r into out until r ends or ctx does. Once quit is closed
// (Close), it stops waiting for the consumer: see offer.
func feed(ctx context.Context, r *reader, out chan SessionEvent, quit <-chan struct{}) {
	for {
		ev, ok := r.box.Get(ctx.Done())
		if !ok {
			return
		}
		select {
		case out <- ev:
		case <-ctx.Done():
			return
		case <-quit:
			offer(out, ev)
		}
	}
}

// offer puts ev on out without waiting, dropping the oldest buffered event
// if out is full: a reader that fell behind keeps the newest events, so the
// final state, always published last, is never the one lost.
func offer(out chan SessionEvent, ev SessionEvent) {
	for {
		select {
		case out <- ev:
			return
		default:
		}
		select {
		case <-out: // only this goroutine sends: now there is room
		default: // the reader took one meanwhile
		}
	}
}
