package lock

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
)

// Semaphore hands out at most n leases at a time. Leases are ephemeral
// nodes under path/leases; a contender takes one while holding a Mutex on
// path/lock, and waits (watching the lease list, alone, since it holds that
// Mutex) until the leases, its own included, number at most n. So waiters
// queue on the Mutex, each watching only its predecessor, and at most one
// of them watches the leases.
//
// Every contender must use the same n: the limit is the callers' agreement,
// not stored on the server. A lease lasts until Release, its session's
// expiry or Close, or someone deleting its node; Lease.Lost says when.
type Semaphore struct {
	c    Client
	path string
	n    int
	opts []Option
}

// NewSemaphore returns a Semaphore of n leases on the node at path. Nothing
// is sent until Acquire.
func NewSemaphore(c Client, path string, n int, opts ...Option) *Semaphore {
	return &Semaphore{c: c, path: path, n: n, opts: opts}
}

// Acquire waits until it holds a lease, or ctx ends. When it fails it
// removes the nodes it made (see Mutex.Lock). n below 1, an invalid path or
// a nil context fail before anything is sent.
func (s *Semaphore) Acquire(ctx context.Context) (*Lease, error) {
	if ctx == nil {
		return nil, fmt.Errorf("semaphore %q: %w: nil context", s.path, zk.ErrInvalidArgument)
	}
	if s.n < 1 {
		return nil, fmt.Errorf("semaphore %q: %w: %d leases", s.path, zk.ErrInvalidArgument, s.n)
	}
	if err := validDir(s.path); err != nil {
		return nil, err
	}
	gate := NewMutex(s.c, s.path+"/lock", s.opts...)
	if err := gate.Lock(ctx); err != nil {
		return nil, err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		_ = gate.Unlock(ctx)
	}()
	leases := s.path + "/leases"
	evCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	events := s.c.SessionEvents(evCtx)
	node, st, err := createNode(ctx, s.c, leases, leaseKind, applyOptions(s.opts))
	if err != nil {
		cancel()
		return nil, err
	}
	fail := func(err error) (*Lease, error) {
		cancel()
		if !errors.Is(err, ErrLost) {
			_ = removeNode(ctx, s.c, node)
		}
		return nil, err
	}
	var retries backoff.Counter
	for {
		names, _, w, err := s.c.ChildrenW(ctx, leases)
		if retries.Retry(ctx, err) {
			continue
		}
		switch {
		case errors.Is(err, zk.ErrNoNode):
			return fail(fmt.Errorf("%w: %s", ErrLost, node))
		case err != nil:
			return fail(err)
		}
		q := queue(names)
		if indexOf(q, base(node)) < 0 {
			w.Stop()
			return fail(fmt.Errorf("%w: %s", ErrLost, node))
		}
		if len(q) <= s.n {
			w.Stop()
			return &Lease{c: s.c, h: hold(evCtx, cancel, s.c, node, st, events)}, nil
		}
		select {
		case <-w.C:
		case <-gate.Lost():
			w.Stop()
			return fail(fmt.Errorf("%w: %s", ErrLost, gate.path))
		case <-ctx.Done():
			w.Stop()
			return fail(ctx.Err())
		}
	}
}

// Lease is one of a Semaphore's n leases.
type Lease struct {
	c        Client
	h        *holding
	mu       sync.Mutex
	released bool // guarded by mu
}

// Release gives the lease back: it deletes the lease node (retrying after
// connection loss) and closes Lost. It returns nil once the node is gone,
// whatever removed it; if ctx ends first the lease is still held and
// Release may be called again. A second Release fails with ErrNotLocked.
func (l *Lease) Release(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("lease %q: %w: nil context", l.h.node, zk.ErrInvalidArgument)
	}
	l.mu.Lock()
	released := l.released
	l.mu.Unlock()
	if released {
		return ErrNotLocked
	}
	if err := deleteNode(ctx, l.c, l.h.node); err != nil {
		return err
	}
	l.h.release()
	l.mu.Lock()
	l.released = true
	l.mu.Unlock()
	return nil
}

// Lost returns a channel closed when the lease is no longer known to be
// held: its session expired or closed, its node was deleted, Release, or
// the client stayed disconnected for the session timeout (zk.StateLost),
// as for Mutex.Lost.
func (l *Lease) Lost() <-chan struct{} { return l.h.lost }

// Node returns the path of the lease node.
func (l *Lease) Node() string { return l.h.node }
