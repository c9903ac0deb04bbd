package lock

import (
	"context"
	"errors"
	"sync"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
)

// holding is one held node (a Mutex's lock node, a Semaphore's lease) and
// the goroutine that watches it: lost is closed when the node is no longer
// known to be held, because the session that owns it expired or closed, the
// node was deleted, or the holder released it.
type holding struct {
	c     Client
	node  string
	owner int64 // the session owning the node (its EphemeralOwner)
	czxid int64

	lost     chan struct{}
	lostOnce sync.Once
	stop     context.CancelFunc // ends the monitor and its session subscription
	done     chan struct{}      // closed when the monitor has ended
}

// hold starts watching node. events must be a SessionEvents subscription
// taken before the node was created, on evCtx (cancelled by cancel), so
// that an expiry between the create and now is not missed.
func hold(evCtx context.Context, cancel context.CancelFunc, c Client, node string, st *zk.Stat, events <-chan zk.SessionEvent) *holding {
	h := &holding{c: c, node: node, owner: st.EphemeralOwner, czxid: st.Czxid,
		lost: make(chan struct{}), stop: cancel, done: make(chan struct{})}
	go h.monitor(evCtx, events)
	return h
}

// release stops the monitor, waits for it and closes lost.
func (h *holding) release() {
	h.stop()
	<-h.done
	h.markLost()
}

func (h *holding) markLost() { h.lostOnce.Do(func() { close(h.lost) }) }

// monitor closes lost on the first sign that the node is gone. Connection
// loss is not such a sign: the session, and the node, may well live on.
func (h *holding) monitor(ctx context.Context, events <-chan zk.SessionEvent) {
	defer close(h.done)
	defer h.stop()
	var retries backoff.Counter
	for {
		ok, _, w, err := h.c.ExistsW(ctx, h.node)
		if err != nil {
			if ctx.Err() != nil {
				return // released
			}
			if errors.Is(err, zk.ErrConnectionLoss) {
				// Follow the session while disconnected: the deadline
				// (StateLost) may pass before the client reconnects.
				if h.awaitReconnect(ctx, events) {
					return
				}
				retries.Wait(ctx) // an ended ctx ends the next call
				continue
			}
			h.markLost() // expired, closed, or worse
			return
		}
		if !ok {
			w.Stop()
			h.markLost()
			return
		}
		retries.Reset()
		if h.await(ctx, w, events) {
			return
		}
	}
}

// await waits for the watch to fire; it reports whether monitoring is over
// (lost or released) rather than due for a re-arm.
func (h *holding) await(ctx context.Context, w *zk.Watch, events <-chan zk.SessionEvent) bool {
	for {
		select {
		case <-ctx.Done():
			w.Stop()
			return true
		case ev, open := <-w.C:
			if open && (ev.Type == zk.EventNodeDeleted || ev.Err != nil) {
				h.markLost()
				return true
			}
			return false // data changed (or a resync): look again
		case ev, open := <-events:
			if !open {
				if ctx.Err() == nil {
					h.markLost() // the client ended
				}
				w.Stop()
				return true
			}
			if h.ends(ev) {
				w.Stop()
				h.markLost()
				return true
			}
		}
	}
}

// awaitReconnect waits, after a call failed with connection loss, until
// the client is connected again (false: look again) or the holding is over
// (true: lost, or released).
func (h *holding) awaitReconnect(ctx context.Context, events <-chan zk.SessionEvent) bool {
	if connected(h.c.State()) {
		return false
	}
	for {
		select {
		case <-ctx.Done():
			return true
		case ev, open := <-events:
			switch {
			case !open:
				if ctx.Err() == nil {
					h.markLost() // the client ended
				}
				return true
			case h.ends(ev):
				h.markLost()
				return true
			case connected(ev.State) && connected(h.c.State()):
				// Connected now, not only when the event was queued: a
				// subscription starts with the state it was taken in, a
				// Connected that may be long stale by the time it is read.
				return false
			}
		}
	}
}

// ends reports whether a session event means the owner's session is over,
// or may be: StateLost says the client has heard nothing for the whole
// session timeout, so the server may have expired the session and given
// the lock to another; the holder must stop acting now rather than at the
// reconnection that confirms it. Events queued since before the node
// existed may belong to an earlier session, hence the comparisons with
// owner; a StateLost already followed by a reconnection to the owner's
// session (the client is connected to it now) is stale.
func (h *holding) ends(ev zk.SessionEvent) bool {
	switch ev.State {
	case zk.StateLost:
		return (ev.SessionID == h.owner || ev.SessionID == 0) &&
			!(connected(h.c.State()) && h.c.SessionID() == h.owner)
	case zk.StateExpired:
		return ev.SessionID == h.owner
	case zk.StateClosed, zk.StateAuthFailed:
		return true
	case zk.StateConnected, zk.StateConnectedReadOnly:
		return ev.SessionID != h.owner
	}
	return false
}

func connected(s zk.State) bool {
	return s == zk.StateConnected || s == zk.StateConnectedReadOnly
}
