package watchmgr

import (
	"errors"

	"github.com/zkwire/zk/proto"
)

// ErrRemoved ends watchers removed by an explicit removeWatches call
// (Client.RemoveWatches), as opposed to Stop.
var ErrRemoved = errors.New("zk: watch removed by RemoveWatches")

// RemoveLocal ends the local watchers of path that a removeWatches of type
// t covers (Data: data and exist; Children: child; Persistent and
// PersistentRecursive: those kinds; Any: all) and then removes the server
// registrations that no remaining watcher needs, exactly as when the last
// of them stops. It never sends t itself: on 3.6–3.8 servers a Data or
// Children removal also takes the persistent or recursive registration
// that one-shots on the same path are served from, and types 4 and 5 do
// not exist before 3.9. So a persistent registration that still serves
// someone stays, and the server and Watches agree afterwards.
//
// Each watcher ended gets a final event of type DataWatchRemoved,
// ChildWatchRemoved or PersistentWatchRemoved with Err ErrRemoved.
// Removals go to rm, or to Config.Remove when rm is nil (rm is called with
// the manager's lock held and must only enqueue). It returns how many
// watchers it ended; when none, nothing is sent.
func (m *Manager) RemoveLocal(path string, t proto.WatcherType, rm Remover) int {
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
	case proto.WatcherChildren:
		kinds[KindChild] = true
	case proto.WatcherPersistent:
		kinds[KindPersistent] = true
	case proto.WatcherPersistentRecursive:
		kinds[KindPersistentRecursive] = true
	case proto.WatcherAny:
		kinds = [numKinds]bool{true, true, true, true, true}
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
	if ended == 0 {
		return 0
	}
	clear(n.watchers[len(kept):])
	n.watchers = kept
	if rm == nil {
		rm = m.remove
	}
	m.reconcileWith(path, n, rm)
	return ended
}
