// Package sessiontest helps the recipes' tests act out session states a
// real server cannot be made to produce on demand.
package sessiontest

import (
	"context"
	"sync"

	"github.com/zkwire/zk"
)

// CutOff is a client whose session events and State can be made to say
// StateLost (the client-side session deadline) while its real connection
// stays up, and then connected again to the same session: the case of a
// session that turns out alive after the deadline passed.
type CutOff struct {
	*zk.Client
	mu   sync.Mutex
	lost bool
	subs []chan zk.SessionEvent
}

// New wraps c.
func New(c *zk.Client) *CutOff { return &CutOff{Client: c} }

// SessionEvents is the client's, with the injected events merged in.
func (c *CutOff) SessionEvents(ctx context.Context) <-chan zk.SessionEvent {
	real := c.Client.SessionEvents(ctx)
	inj := make(chan zk.SessionEvent, 16)
	c.mu.Lock()
	c.subs = append(c.subs, inj)
	c.mu.Unlock()
	out := make(chan zk.SessionEvent, 16)
	go func() {
		defer close(out)
		for {
			var ev zk.SessionEvent
			var ok bool
			select {
			case ev, ok = <-real:
				if !ok {
					return
				}
			case ev = <-inj:
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// State is StateLost while Set(true) holds, else the client's.
func (c *CutOff) State() zk.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lost {
		return zk.StateLost
	}
	return c.Client.State()
}

// Set makes the client report StateLost (true) or connected again to the
// same session (false), to every subscriber.
func (c *CutOff) Set(lost bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lost = lost
	ev := zk.SessionEvent{State: zk.StateConnected, SessionID: c.SessionID()}
	if lost {
		ev.State = zk.StateLost
	}
	for _, s := range c.subs {
		select {
		case s <- ev:
		default: // a subscriber that stopped reading
		}
	}
}
