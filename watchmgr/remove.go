package watchmgr

import (
	"errors"

	"github.com/zkwire/zk/proto"
)

// ErrRemoved ends watchers removed by an explicit removeWatches call
// (Client.RemoveWatches), as opposed to Stop.
var ErrRemoved = errors.New("zk: watch removed by RemoveWatches")

// RemoveLocal ends the local watchers of path that a removeWatches of type
// t covers (Data: data and exist; Children: child; Any: all; Persistent and
// PersistentRecursive: those kinds) and forgets the matching server
// registrations, which the caller has just removed on the server. Each
// watcher gets a final event of type DataWatchRemoved, ChildWatchRemoved
// or PersistentWatchRemoved with Err ErrRemoved. It returns how many
// watchers it ended.
func (m *Manager) RemoveLocal(path string, t proto.WatcherType) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.nodes[path]
	if n == nil {
		return 0
	}
	var kinds [numKinds]bool
	switch t {
	case proto.WatcherData:
		kinds[KindData], kinds[KindExist] = true, true
		n.srv &^= srvData
	case proto.WatcherChildren:
		kinds[KindChild] = true
		n.srv &^= srvChild
	case proto.WatcherPersistent:
		kinds[KindPersistent] = true
		n.srv &^= srvPersistent
	case proto.WatcherPersistentRecursive:
		kinds[KindPersistentRecursive] = true
		n.srv &^= srvRecursive
	case proto.WatcherAny:
		kinds = [numKinds]bool{true, true, true, true, true}
		n.srv = 0
	}
	ended := 0
	kept := n.watchers[:0]
	for _, w := range n.watchers {
		if !kinds[w.kind] {
			kept = append(kept, w)
			continue
		}
		ty := proto.EventDataWatchRemoved
		switch w.kind {
		case KindChild:
			ty = proto.EventChildWatchRemoved
		case KindPersistent, KindPersistentRecursive:
			ty = proto.EventPersistentWatchRemoved
		}
		w.ch <- Event{Type: ty, State: m.state, Path: path, Err: ErrRemoved}
		w.end()
		ended++
	}
	clear(n.watchers[len(kept):])
	n.watchers = kept
	m.reconcile(path, n)
	return ended
}
