// Package mailbox is an unbounded FIFO from producers that must never
// wait (a connection's goroutines, a campaign) to one consumer that may be
// slow. What passes through it is rare (state changes), so the queue stays
// small.
package mailbox

import "sync"

// Mailbox holds items until its consumer takes them. Put and Close may be
// called from any goroutine; Get from one consumer at a time. The zero
// value is not usable; use New.
type Mailbox[T any] struct {
	mu     sync.Mutex
	items  []T  // guarded by mu
	closed bool // guarded by mu
	wake   chan struct{}
}

// New returns an empty, open Mailbox.
func New[T any]() *Mailbox[T] { return &Mailbox[T]{wake: make(chan struct{}, 1)} }

// Put queues v and reports whether it was taken: after Close it is not.
func (m *Mailbox[T]) Put(v T) bool {
	m.mu.Lock()
	ok := !m.closed
	if ok {
		m.items = append(m.items, v)
	}
	m.mu.Unlock()
	if ok {
		m.signal()
	}
	return ok
}

// Close refuses further items; Get still returns those queued.
// It is idempotent.
func (m *Mailbox[T]) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.signal()
}

// Get returns the oldest item, waiting for one. ok is false once the
// Mailbox is closed and drained, or when stop is closed first (a nil stop
// never is).
func (m *Mailbox[T]) Get(stop <-chan struct{}) (v T, ok bool) {
	for {
		m.mu.Lock()
		if len(m.items) > 0 {
			v = m.items[0]
			var zero T
			m.items[0] = zero
			m.items = m.items[1:]
			m.mu.Unlock()
			return v, true
		}
		closed := m.closed
		m.mu.Unlock()
		if closed {
			return v, false
		}
		select {
		case <-m.wake:
		case <-stop:
			return v, false
		}
	}
}

func (m *Mailbox[T]) signal() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}
