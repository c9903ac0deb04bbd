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
	numKinds
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
	statePending watcherState = iota // registration sent, reply not in
	stateActive                      // committed, receiving events
	stateEnded                       // fired, stopped or ended; C is closed
)

// Watcher is one local watch: a channel and a way to stop it. All of its
// fields except C are guarded by the manager's mutex.
type Watcher struct {
	// C receives the watch's events. A one-shot watcher gets one event and
	// then C closes; a persistent one keeps delivering until Stop, Close,
	// session expiry or overflow. An ending other than firing or Stop is
	// announced by a final event with Err set.
	C <-chan Event

	ch      chan Event
	m       *Manager
	n       *node
	path    string
	kind    Kind
	state   watcherState
	server  bool   // Begin asked the server to register it
	existed bool   // the node existed when it was registered (restore lists)
	stopped bool   // Stop was called while pending
	epoch   uint64 // manager epoch at Begin; a newer epoch means a new session
}

// Path returns the watched path, relative to the chroot.
func (w *Watcher) Path() string { return w.path }

// Kind returns what the watcher watches.
func (w *Watcher) Kind() Kind { return w.kind }

// Stop ends the watcher: C is closed without a further event. When it was
// the last local watcher of its server registration, the server watch is
// removed too. Stop is idempotent and safe from any goroutine.
func (w *Watcher) Stop() {
	m := w.m
	m.mu.Lock()
	defer m.mu.Unlock()
	switch w.state {
	case statePending:
		w.stopped = true // Commit ends it
	case stateActive:
		w.n.remove(w)
		w.end()
		m.reconcile(w.path, w.n)
	}
}

// deliver puts ev on the channel without blocking. The last slot is kept
// for a final event, so a final event always fits; a watcher that has
// filled the rest gets ErrOverflow as its final event instead. It reports
// whether the watcher is still active.
func (w *Watcher) deliver(ev Event) bool {
	if len(w.ch) >= cap(w.ch)-1 && cap(w.ch) > 1 {
		w.m.overflows++
		w.ch <- Event{Type: proto.EventNone, State: ev.State, Path: w.path, Err: ErrOverflow}
		return false
	}
	w.ch <- ev
	return true
}

// end closes the channel. The watcher must already be out of its node.
func (w *Watcher) end() {
	if w.state != stateEnded {
		w.state = stateEnded
		close(w.ch)
	}
}
