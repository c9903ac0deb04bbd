package zk

import (
	"sync"
)

// eventQueue delivers events in order to the callback and the channel, on
// a goroutine of its own, so that neither a slow callback nor a full
// channel ever holds up the connection. The queue itself is unbounded
// (session events are rare); the channel keeps go-zookeeper's 6 slots but
// drops the oldest event when full, so a reader that catches up sees the
// latest state.
type eventQueue struct {
	ch chan Event
	cb EventCallback

	mu     sync.Mutex
	q      []Event // guarded by mu
	closed bool    // guarded by mu
	wake   chan struct{}
}

func newEventQueue(ch chan Event, cb EventCallback) *eventQueue {
	q := &eventQueue{ch: ch, cb: cb, wake: make(chan struct{}, 1)}
	go q.run()
	return q
}

func (q *eventQueue) push(ev Event) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.q = append(q.q, ev)
	q.mu.Unlock()
	q.signal()
}

// close delivers what is queued, then closes the channel.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *eventQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *eventQueue) run() {
	for {
		q.mu.Lock()
		if len(q.q) == 0 {
			closed := q.closed
			q.mu.Unlock()
			if closed {
				close(q.ch)
				return
			}
			<-q.wake
			continue
		}
		ev := q.q[0]
		q.q[0] = Event{}
		q.q = q.q[1:]
		q.mu.Unlock()
		if q.cb != nil {
			q.cb(ev)
		}
		q.send(ev)
	}
}

// send puts ev on the channel, dropping the oldest event if it is full.
// Only run sends, so after one receive there is room.
func (q *eventQueue) send(ev Event) {
	select {
	case q.ch <- ev:
		return
	default:
	}
	select {
	case <-q.ch:
	default:
	}
	select {
	case q.ch <- ev:
	default:
	}
}
