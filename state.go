package zk

import (
	"sync"
	"time"

	"github.com/zkwire/zk/internal/mailbox"
)

// broadcaster is the one place a session state change is announced. The
// connection reports each change with its session id (sink.StateChange);
// publish then, for each change in turn:
//
//  1. tells the internal users that must act before the connection reads
//     on (the watch manager, metrics), on the calling goroutine;
//  2. makes it the current state, which State, waitConnected and every new
//     reader start from, and wakes whoever waits for a change;
//  3. queues it for every reader (the state listeners, each SessionEvents
//     channel), each fed in order by a goroutine of its own, so that a slow
//     reader holds up neither the connection nor another reader;
//  4. at the session's end, closes the Done channel.
//
// publish is called by one goroutine at a time: the connection's session
// goroutine, or Close once the connection has ended.
type broadcaster struct {
	hooks []func(SessionEvent) // internal users, told synchronously
	renew bool                 // an expiry is not the end (WithNewSessionOnExpiry)

	mu      sync.Mutex
	cur     SessionEvent         // guarded by mu
	changed chan struct{}        // closed and replaced at every change; guarded by mu
	done    chan struct{}        // closed at the session's end (Done)
	ended   bool                 // done is closed; guarded by mu
	closing bool                 // Close has ended the readers; guarded by mu
	quit    chan struct{}        // closed by close: readers stop waiting for their consumer
	readers map[*reader]struct{} // guarded by mu
	wg      sync.WaitGroup       // SessionEvents readers' goroutines
	listen  *reader              // the state listeners' reader; nil without listeners
	lsnDone chan struct{}        // closed when the listeners' goroutine ends
}

// reader is one ordered stream of changes: a mailbox the broadcaster fills
// without waiting, drained by the reader's own goroutine.
type reader struct {
	box *mailbox.Mailbox[SessionEvent]
	// untilEnd ends the stream with the session's end (SessionEvents);
	// listeners also see the StateClosed that follows an expiry.
	untilEnd bool
}

func newBroadcaster(listeners []func(State), renew bool, hooks ...func(SessionEvent)) *broadcaster {
	b := &broadcaster{
		hooks: hooks, renew: renew,
		cur:     SessionEvent{State: StateConnecting},
		changed: make(chan struct{}), done: make(chan struct{}), quit: make(chan struct{}),
		readers: make(map[*reader]struct{}), lsnDone: make(chan struct{}),
	}
	if len(listeners) == 0 {
		close(b.lsnDone)
		return b
	}
	b.listen = &reader{box: mailbox.New[SessionEvent]()}
	b.readers[b.listen] = struct{}{}
	go func() {
		defer close(b.lsnDone)
		for {
			ev, ok := b.listen.box.Get(nil)
			if !ok {
				return
			}
			for _, f := range listeners {
				f(ev.State)
			}
		}
	}()
	return b
}

// final reports whether s ends the session for good: nothing more can be
// done with the client.
func (b *broadcaster) final(s State) bool {
	return s == StateClosed || s == StateAuthFailed || (s == StateExpired && !b.renew)
}

// publish announces one change (see broadcaster).
func (b *broadcaster) publish(ev SessionEvent) {
	for _, h := range b.hooks {
		h(ev)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cur = ev
	close(b.changed)
	b.changed = make(chan struct{})
	end := b.final(ev.State)
	for r := range b.readers {
		r.box.Put(ev)
		if end && r.untilEnd {
			r.box.Close()
			delete(b.readers, r)
		}
	}
	if end && !b.ended {
		b.ended = true
		close(b.done)
	}
}

// current returns the current state and a channel closed at the next
// change.
func (b *broadcaster) current() (SessionEvent, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cur, b.changed
}

// subscribe returns the current state (NewSession false: it is a
// snapshot, not a change) and a reader of every change after it, atomically.
// After the session's end there is no reader (nil): first is the final
// state. A reader must be given back with unsubscribe.
func (b *broadcaster) subscribe() (first SessionEvent, r *reader) {
	b.mu.Lock()
	defer b.mu.Unlock()
	first = b.cur
	first.NewSession = false
	if b.ended || b.closing {
		return first, nil
	}
	r = &reader{box: mailbox.New[SessionEvent](), untilEnd: true}
	b.readers[r] = struct{}{}
	b.wg.Add(1) // under mu: close's Wait cannot start before this Add
	return first, r
}

// unsubscribe drops a reader whose goroutine has ended.
func (b *broadcaster) unsubscribe(r *reader) {
	b.mu.Lock()
	delete(b.readers, r)
	b.mu.Unlock()
	b.wg.Done()
}

// listenerWait bounds how long Close waits for state listeners to take
// the last transitions.
const listenerWait = time.Second

// close ends the broadcast for Close (or a Connect that failed): the
// session is over even if the connection never said so, every
// SessionEvents reader delivers what fits in its channel and ends (waited
// for), and the listeners get up to listenerWait to take what is queued: a
// listener that blocks longer (or calls Close itself) must not hold Close
// up, so its goroutine is left to finish when the listener returns.
// It is idempotent.
func (b *broadcaster) close() {
	b.mu.Lock()
	if !b.ended {
		b.ended = true
		close(b.done)
	}
	if !b.closing {
		b.closing = true
		close(b.quit)
	}
	for r := range b.readers {
		r.box.Close()
		delete(b.readers, r)
	}
	b.mu.Unlock()
	b.wg.Wait()
	t := time.NewTimer(listenerWait)
	defer t.Stop()
	select {
	case <-b.lsnDone:
	case <-t.C:
	}
}
