package zk

import (
	"context"

	"github.com/zkwire/zk/internal/mailbox"
)

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

// SessionEvents delivers every session state change from now on, in order.
// The client never waits for the reader: events queue until read (state
// changes are rare, so the queue stays small). The channel is closed after
// ctx ends, or after the client closes (the last event is then StateClosed,
// or StateExpired/StateAuthFailed when the session ended that way).
// A nil ctx is bad input: the channel is closed at once.
func (c *Client) SessionEvents(ctx context.Context) <-chan SessionEvent {
	s := &sessionSub{box: mailbox.New[SessionEvent](), quit: make(chan struct{}), out: make(chan SessionEvent, subBuffer)}
	if ctx == nil {
		// Checked here: the reader goroutine would panic where no caller
		// can recover.
		close(s.out)
		return s.out
	}
	c.mu.Lock()
	if c.closed || c.terminal {
		c.mu.Unlock()
		close(s.out)
		return s.out
	}
	if c.subs == nil {
		c.subs = make(map[*sessionSub]struct{})
	}
	c.subs[s] = struct{}{}
	c.subWG.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.subWG.Done()
		s.run(ctx)
		c.mu.Lock()
		delete(c.subs, s)
		c.mu.Unlock()
	}()
	return s.out
}

// publish hands a state change to every subscriber; final marks the
// session's end.
func (c *Client) publish(st State, newSession, final bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if final {
		c.terminal = true
	}
	if len(c.subs) == 0 {
		return // also: before Connect returns, c.conn is not set yet
	}
	ev := SessionEvent{State: st, SessionID: c.conn.SessionID(), NewSession: newSession}
	for s := range c.subs {
		s.box.Put(ev)
		if final {
			s.box.Close()
		}
	}
}

// endSubscriptions ends every subscriber and waits for their goroutines;
// Close calls it last. A reader that is not reading loses its oldest events
// beyond its channel's buffer rather than holding Close up; the final state
// is always kept (see sessionSub.offer).
func (c *Client) endSubscriptions() {
	c.mu.Lock()
	for s := range c.subs {
		s.box.Close()
		close(s.quit)
	}
	c.terminal = true
	c.mu.Unlock()
	c.subWG.Wait()
}

// subBuffer is how many events (the newest, the final state last) a reader
// that stopped reading can still get when the client closes.
const subBuffer = 16

// sessionSub is one SessionEvents reader: a mailbox drained into out by
// its own goroutine, so the connection never blocks on a slow reader.
type sessionSub struct {
	box  *mailbox.Mailbox[SessionEvent]
	quit chan struct{} // closed by Close: deliver only what fits, then end
	out  chan SessionEvent
}

func (s *sessionSub) run(ctx context.Context) {
	defer close(s.out)
	for {
		ev, ok := s.box.Get(ctx.Done())
		if !ok {
			return
		}
		select {
		case s.out <- ev:
		case <-ctx.Done():
			return
		case <-s.quit:
			s.offer(ev)
		}
	}
}

// offer puts ev on out without waiting, dropping the oldest buffered event
// if out is full: a reader that fell behind keeps the newest events, so the
// final state, always published last, is never the one lost.
func (s *sessionSub) offer(ev SessionEvent) {
	for {
		select {
		case s.out <- ev:
			return
		default:
		}
		select {
		case <-s.out: // only this goroutine sends: now there is room
		default: // the reader took one meanwhile
		}
	}
}
