package watchmgr

import "github.com/zkwire/zk/proto"

// Callback watchers have no channel: their events go to one queue per
// manager, drained in order by a goroutine that runs only while the queue
// holds something. A slow or blocked callback therefore delays the
// callbacks after it, never the receive loop that feeds the queue.

// callback is a callback watcher's function and its share of the queue.
type callback struct {
	fn     func(Event)
	queued int32 // events of this watcher in the queue
	ended  bool  // the watcher ended: forget it once queued is 0
}

type queuedEvent struct {
	w  *Watcher
	ev Event
}

// queueCallback queues ev for w's callback, applying the same bound as a
// channel's buffer (see Watcher.send). It reports false if w overflowed.
// Must hold mu.
func (m *Manager) queueCallback(w *Watcher, ev Event, final bool) bool {
	cb, ok := m.callbacks[w]
	if !ok {
		return true // stopped: nothing of it runs any more
	}
	ok = true
	if !final && int(cb.queued) >= w.capacity()-1 && w.capacity() > 1 {
		m.overflows++
		ev = Event{Type: proto.EventNone, State: ev.State, Path: w.path, Err: ErrOverflow}
		ok = false
	}
	cb.queued++
	m.callbacks[w] = cb
	m.cbq = append(m.cbq, queuedEvent{w, ev})
	if !m.cbRunning {
		m.cbRunning = true
		go m.runCallbacks()
	}
	return ok
}

// endCallback notes that w gets no more events. Must hold mu.
func (m *Manager) endCallback(w *Watcher) {
	cb, ok := m.callbacks[w]
	if !ok {
		return
	}
	if cb.queued == 0 {
		delete(m.callbacks, w)
		return
	}
	cb.ended = true
	m.callbacks[w] = cb
}

// runCallbacks runs queued callbacks one at a time, in queue order, until
// the queue is empty, then returns. A watcher stopped meanwhile is no
// longer in m.callbacks, so its queued events are skipped.
func (m *Manager) runCallbacks() {
	m.mu.Lock()
	for m.cbHead < len(m.cbq) {
		it := m.cbq[m.cbHead]
		m.cbq[m.cbHead] = queuedEvent{}
		m.cbHead++
		if m.cbHead >= 1024 && m.cbHead*2 >= len(m.cbq) {
			// Much of the queue is spent: slide the rest down so that a
			// queue that never drains does not grow for ever.
			n := copy(m.cbq, m.cbq[m.cbHead:])
			clear(m.cbq[n:])
			m.cbq, m.cbHead = m.cbq[:n], 0
		}
		cb, ok := m.callbacks[it.w]
		if !ok {
			continue
		}
		cb.queued--
		if cb.ended && cb.queued == 0 {
			delete(m.callbacks, it.w)
		} else {
			m.callbacks[it.w] = cb
		}
		m.mu.Unlock()
		cb.fn(it.ev)
		m.mu.Lock()
	}
	if cap(m.cbq) > 1024 {
		m.cbq = nil // do not keep a burst's memory
	}
	m.cbq, m.cbHead = m.cbq[:0], 0
	m.cbRunning = false
	if m.cbIdle != nil {
		close(m.cbIdle)
		m.cbIdle = nil
	}
	m.mu.Unlock()
}

// CallbacksIdle returns a channel closed once no callback is queued or
// running (at once if none is). A client's Close waits on it, bounded, so
// that the final events of its callback watchers have been handled when
// it returns.
func (m *Manager) CallbacksIdle() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.cbRunning {
		return closedSignal
	}
	if m.cbIdle == nil {
		m.cbIdle = make(chan struct{})
	}
	return m.cbIdle
}

var closedSignal = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()
