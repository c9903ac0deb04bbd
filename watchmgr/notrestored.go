package watchmgr

import (
	"errors"
	"fmt"

	"github.com/zkwire/zk/proto"
)

// ErrNotRestored ends a watcher whose watch could not be re-registered
// after a reconnect: the server refused it (the final event's Err also
// wraps the server's error) or its path alone is over the packet limit.
// It would never fire again. Re-read and watch again.
var ErrNotRestored = errors.New("zk: watch ended: not restored after a reconnect")

// NotRestored ends the watchers that s (a part of what Restore listed)
// stands for, with a final event whose Err wraps ErrNotRestored and cause,
// and forgets their server registrations: the server does not hold them.
// Every other watcher is left alone. Nothing is sent to the server.
//
// A path is in Data for data watchers and exists watchers that saw the
// node, in Exist for the other exists watchers (see Restore).
func (m *Manager) NotRestored(s Set, cause error) {
	err := fmt.Errorf("%w: %w", ErrNotRestored, cause)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range s.Data {
		m.endNotRestored(p, err, srvData, func(w *Watcher) bool {
			return w.kind == KindData || w.kind == KindExist && w.flags&fExisted != 0
		})
	}
	for _, p := range s.Exist {
		m.endNotRestored(p, err, srvData, func(w *Watcher) bool { return w.kind == KindExist && w.flags&fExisted == 0 })
	}
	for _, p := range s.Child {
		m.endNotRestored(p, err, srvChild, func(w *Watcher) bool { return w.kind == KindChild })
	}
	for _, p := range s.Persistent {
		m.endNotRestored(p, err, srvPersistent, func(w *Watcher) bool { return w.kind == KindPersistent })
	}
	for _, p := range s.Recursive {
		m.endNotRestored(p, err, srvRecursive, func(w *Watcher) bool { return w.kind == KindPersistentRecursive })
	}
}

// endNotRestored ends the watchers of path that match, then forgets the
// server registration reg unless a remaining watcher accounts for it (a
// path listed in both Data and Exist, one of them restored). Must hold mu.
func (m *Manager) endNotRestored(path string, err error, reg srv, match func(*Watcher) bool) {
	n := m.nodes[path]
	if n == nil {
		return
	}
	n.filter(func(w *Watcher) bool {
		if !match(w) {
			return true
		}
		// The last slot of a channel is kept for a final event, and an
		// active one-shot's single slot is empty: this never blocks.
		w.finish(Event{Type: proto.EventNone, State: m.state, Path: w.path, Err: err})
		return false
	})
	if reg != srvData || n.count(KindData)+n.count(KindExist) == 0 {
		n.srv &^= reg
	}
	m.forgetIfIdle(path, n)
}
