package watchmgr

import (
	"errors"
	"fmt"

	"github.com/zkwire/zk/proto"
)

// ErrOverflow ends a watcher whose consumer fell behind by more than its
// buffer: events were about to be lost, so the watch ends instead. Re-read
// the state and watch again.
var ErrOverflow = errors.New("zk: watch ended: consumer fell behind (event buffer overflow)")

// ErrNotKept ends a one-shot watcher that was served from a persistent
// watch on the same path when that persistent watch could not be set up
// (its addWatch failed, normally through connection loss). Re-read and
// watch again.
var ErrNotKept = errors.New("zk: watch ended: the persistent watch serving it was not registered")

// Kind is what a local watcher asked for.
type Kind uint8

const (
	KindData                Kind = iota // getData(watch): data changes and deletion
	KindExist                           // exists(watch): creation, data changes, deletion
	KindChild                           // getChildren(watch): children changes, deletion
	KindPersistent                      // addWatch PERSISTENT: like data+child, stays armed
	KindPersistentRecursive             // addWatch PERSISTENT_RECURSIVE: the node and every descendant, no child events
	// KindAny is no watcher's kind: it selects every kind (RemoveLocal).
	KindAny
	numKinds = KindAny
)

func (k Kind) String() string {
	switch k {
	case KindData:
		return "data"
	case KindExist:
		return "exist"
	case KindChild:
		return "child"
	case KindPersistent:
		return "persistent"
	case KindPersistentRecursive:
		return "persistentRecursive"
	case KindAny:
		return "any"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// OneShot reports whether watchers of this kind end after one event.
func (k Kind) OneShot() bool { return k <= KindChild }

// Event is what a watcher receives.
type Event struct {
	Type  proto.EventType // EventNone for state-only events
	State proto.State     // the session state when the event was delivered
	Path  string          // the node the event is about, relative to the chroot
	// Err is set only on a watch's final event when it ends for a reason
	// other than firing or Stop: session expired, client closed, overflow,
	// not restored after a reconnect.
	Err error
	// Resync marks the state event that persistent and recursive watchers
	// get after every reconnect: the server replays nothing for them, so
	// changes made while disconnected may have been missed. Re-read what
	// you depend on. One-shot watchers served from such a watch end with it.
	Resync bool
}

func (e Event) String() string {
	s := fmt.Sprintf("%v %q state=%v", e.Type, e.Path, e.State)
	if e.Resync {
		s += " resync"
	}
	if e.Err != nil {
		s += " err=" + e.Err.Error()
	}
	return s
}

type watcherState uint8

const (
	stateNew     watcherState = iota // not begun, or discarded by Begin
	statePending                     // registration sent, reply not in
	stateActive                      // committed, receiving events
	stateEnded                       // fired, stopped or ended; no more events
)

// Watcher flags.
const (
	fServer   uint8 = 1 << iota // Begin asked the server to register it
	fExisted                    // the node existed when it was registered (restore lists)
	fStopped                    // Stop was called
	fCallback                   // delivers to a callback (Manager.callbacks), not a channel
)

// Watcher is one local watch. Its fields are guarded by the manager's
// mutex. It is small on purpose (48 bytes): a client may hold hundreds of
// thousands. Its channel is made only when someone asks for it (Events) or
// an event arrives, and a callback watcher has none.
type Watcher struct {
	m     *Manager
	path  string
	next  *Watcher   // the next watcher of the same path (node.head)
	ch    chan Event // nil until Events or the first delivery
	epoch uint32     // manager epoch at Begin; a newer epoch means a new session
	kind  Kind
	state watcherState
	flags uint8
}

// Path returns the watched path, relative to the chroot.
func (w *Watcher) Path() string { return w.path }

// Kind returns what the watcher watches.
func (w *Watcher) Kind() Kind { return w.kind }

// Events returns the channel the watcher's events arrive on, making it on
// the first call. A one-shot watcher gets one event and then the channel
// closes; a persistent one keeps delivering until Stop, Close, session
// expiry or overflow. An ending other than firing or Stop is announced by a
// final event with Err set. Every call returns the same channel. A callback
// watcher (Begin with a callback) has no channel: Events returns nil.
func (w *Watcher) Events() <-chan Event {
	m := w.m
	if m == nil {
		return nil // never begun
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if w.flags&fCallback != 0 {
		return nil
	}
	if w.ch == nil {
		if w.state == stateEnded {
			return closedEvents
		}
		w.ch = make(chan Event, w.capacity())
	}
	return w.ch
}

// closedEvents is the channel of every watcher that ended before anyone
// asked for its channel and had no final event to hold.
var closedEvents = func() chan Event {
	ch := make(chan Event)
	close(ch)
	return ch
}()

func (w *Watcher) capacity() int {
	if w.kind.OneShot() {
		return 1
	}
	return w.m.buffer
}

// Stop ends the watcher: its channel is closed without a further event,
// and no callback of it starts after Stop returns (one already running may
// still be running). When it was the last local watcher of its server
// registration, the server watch is removed too. Stop is idempotent and
// safe from any goroutine, including the watcher's own callback.
func (w *Watcher) Stop() {
	m := w.m
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	w.flags |= fStopped
	if w.flags&fCallback != 0 {
		delete(m.callbacks, w) // queued events of it are dropped
	}
	switch w.state {
	case statePending:
		// Commit ends it.
	case stateActive:
		n := m.nodes[w.path]
		n.remove(w)
		w.end()
		m.reconcile(w.path, n)
	}
}

// send delivers ev to the watcher, never blocking: to its channel (made
// now if nobody asked for it yet) or to the callback queue. The last slot
// of the buffer is kept for a final event, so a final event always fits; a
// watcher that has filled the rest gets ErrOverflow as its final event
// instead. final says ev is the watcher's last event: the caller ends the
// watcher. It reports false if the watcher overflowed and must end.
func (w *Watcher) send(ev Event, final bool) bool {
	if w.flags&fCallback != 0 {
		return w.m.queueCallback(w, ev, final)
	}
	if w.ch == nil {
		w.ch = make(chan Event, w.capacity())
	}
	if !final && len(w.ch) >= cap(w.ch)-1 && cap(w.ch) > 1 {
		w.m.overflows++
		w.ch <- Event{Type: proto.EventNone, State: ev.State, Path: w.path, Err: ErrOverflow}
		return false
	}
	w.ch <- ev
	return true
}

// deliver sends a non-final event; it reports whether the watcher is still
// active (false: it overflowed and the caller must end it).
func (w *Watcher) deliver(ev Event) bool { return w.send(ev, false) }

// finish sends a final event and ends the watcher. The watcher must
// already be out of its node's list.
func (w *Watcher) finish(ev Event) {
	if w.state != stateEnded {
		w.send(ev, true)
	}
	w.end()
}

// end closes the channel. The watcher must already be out of its node's list.
func (w *Watcher) end() {
	if w.state == stateEnded {
		return
	}
	w.state = stateEnded
	if w.ch != nil {
		close(w.ch)
	}
	if w.flags&fCallback != 0 {
		w.m.endCallback(w)
	}
}
