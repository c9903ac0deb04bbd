package discovery

import (
	"bytes"
	"context"
	"errors"
	"github.com/zkwire/zk/recipes/internal/backoff"
	"github.com/zkwire/zk/recipes/internal/lifecycle"
	"sync"

	"github.com/zkwire/zk"
)

// registration is one kept instance node. Its keeper goroutine is the
// only writer of the node after Register returns.
type registration struct {
	path   string
	ready  bool               // guarded by Registry.mu: the keeper runs (Register is done)
	cancel context.CancelFunc // set with ready
	done   chan struct{}      // closed when the keeper ends
	nudge  chan struct{}      // capacity 1: the wanted data changed

	mu       sync.Mutex
	data     []byte        // guarded by mu: what the node must hold
	gen      uint64        // guarded by mu: version of data
	applied  uint64        // guarded by mu: the last gen written to the node
	progress chan struct{} // guarded by mu: closed and replaced when applied moves or the keeper ends
	err      error         // guarded by mu: why the keeper ended on its own
	ended    bool          // guarded by mu
	inPlace  bool          // guarded by mu: the node is known to hold the data
	lost     chan struct{} // guarded by mu: closed while not in place
}

func newRegistration(p string, data []byte) *registration {
	lost := make(chan struct{})
	close(lost)
	return &registration{path: p, data: data, gen: 1, done: make(chan struct{}),
		nudge: make(chan struct{}, 1), progress: make(chan struct{}), lost: lost}
}

// setInPlace records whether the node is known to be in place.
func (g *registration) setInPlace(v bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inPlace == v {
		return
	}
	g.inPlace = v
	if v {
		g.lost = make(chan struct{})
	} else {
		close(g.lost)
	}
}

func (g *registration) lostChan() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lost
}

func (g *registration) want() ([]byte, uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.data, g.gen
}

func (g *registration) set(data []byte) uint64 {
	g.mu.Lock()
	g.data = data
	g.gen++
	gen := g.gen
	g.mu.Unlock()
	select {
	case g.nudge <- struct{}{}:
	default:
	}
	return gen
}

func (g *registration) markApplied(gen uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if gen > g.applied {
		g.applied = gen
		close(g.progress)
		g.progress = make(chan struct{})
	}
}

func (g *registration) end(err error) {
	g.setInPlace(false)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ended = true
	g.err = err
	close(g.progress)
	g.progress = make(chan struct{})
}

func (g *registration) waitApplied(ctx context.Context, gen uint64) error {
	for {
		g.mu.Lock()
		applied, ended, err, progress := g.applied, g.ended, g.err, g.progress
		g.mu.Unlock()
		switch {
		case applied >= gen:
			return nil
		case ended && err != nil:
			return err
		case ended:
			return ErrRegistryClosed
		}
		select {
		case <-progress:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (g *registration) stop() {
	g.cancel()
	<-g.done
}

// keep holds the node in place until ctx ends: it watches the node (GetW)
// and rewrites it when it is deleted or changed, when Update asks, and in
// the new session after expiry.
func (r *Registry) keep(ctx context.Context, g *registration) {
	defer close(g.done)
	var endErr error
	defer func() { g.end(endErr) }()
	fctx, stopFollow := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		g.follow(fctx, r.c.SessionEvents(fctx))
	}()
	defer func() {
		stopFollow()
		<-followed
	}()
	var retries backoff.Counter
	for {
		session := r.c.SessionID()
		err := r.hold(ctx, g)
		switch {
		case ctx.Err() != nil:
			return
		case err == nil:
			retries.Reset()
			continue
		case errors.Is(err, zk.ErrSessionExpired):
			g.setInPlace(false)
			if err := lifecycle.WaitNewSession(ctx, r.c, session); err != nil {
				if ctx.Err() == nil {
					endErr = err
				}
				return
			}
			retries.Reset()
			continue
		case lifecycle.Terminal(err):
			endErr = err
			return
		case errors.Is(err, ErrConflict):
			// Someone else's node: wait for it to go, then take over.
			if err := r.awaitGone(ctx, g); err == nil {
				continue
			}
		}
		if !retries.Wait(ctx) {
			return
		}
	}
}

// hold writes the wanted data if needed, then waits for a reason to look
// again: it returns nil to look again at once, or an error. The node is in
// place once it holds the data; follow marks it not in place.
func (r *Registry) hold(ctx context.Context, g *registration) error {
	data, gen := g.want()
	if err := r.ensure(ctx, g.path, data); err != nil {
		return err
	}
	got, st, w, err := r.c.GetW(ctx, g.path)
	if err != nil {
		if errors.Is(err, zk.ErrNoNode) {
			return nil // deleted meanwhile
		}
		return err
	}
	if !bytes.Equal(got, data) || st.EphemeralOwner != r.c.SessionID() {
		w.Stop()
		return nil // changed meanwhile
	}
	g.markApplied(gen)
	g.setInPlace(true)
	select {
	case ev := <-w.C:
		if ev.Type == zk.EventNodeDeleted || ev.Err != nil {
			g.setInPlace(false)
		}
		return ev.Err // deleted or changed (nil), or the watch ended
	case <-g.nudge:
		w.Stop()
		return nil
	case <-ctx.Done():
		w.Stop()
		return ctx.Err()
	}
}

// follow marks the node not in place as soon as the session may be over,
// whatever the keeper is doing (it may be waiting on a call for the whole
// partition): on StateLost, the client cut off for the session timeout, the
// server may have expired the session and the node with it; on expiry it
// is gone. On the next connection it asks the keeper to check the node,
// which marks it in place again once it is there and ours.
func (g *registration) follow(ctx context.Context, events <-chan zk.SessionEvent) {
	for {
		select {
		case ev, ok := <-events:
			switch {
			case !ok:
				return
			case ev.State == zk.StateLost, ev.State == zk.StateExpired:
				g.setInPlace(false)
			case lifecycle.Connected(ev.State) && !isInPlace(g):
				select {
				case g.nudge <- struct{}{}:
				default:
				}
			}
		case <-ctx.Done():
			return
		}
	}
}

func isInPlace(g *registration) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inPlace
}

// awaitGone waits until the node is deleted (or changes), or Update asks.
func (r *Registry) awaitGone(ctx context.Context, g *registration) error {
	exists, _, w, err := r.c.ExistsW(ctx, g.path)
	if err != nil {
		return err
	}
	if !exists {
		w.Stop()
		return nil
	}
	select {
	case ev := <-w.C:
		return ev.Err
	case <-g.nudge:
		w.Stop()
		return nil
	case <-ctx.Done():
		w.Stop()
		return ctx.Err()
	}
}
