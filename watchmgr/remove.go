package watchmgr

import (
	"errors"

	"github.com/zkwire/zk/proto"
)

// ErrRemoved ends watchers removed by an explicit removeWatches call
// (Client.RemoveWatches), as opposed to Stop.
var ErrRemoved = errors.New("zk: watch removed by RemoveWatches")

// RemoveLocal ends the local watchers of path that sel selects (KindData:
// data and exist watchers, as the server's Data watcher type does;
// KindExist: exist watchers only; KindAny: all; any other kind: that kind)
// and then removes the server registrations that no remaining watcher
// needs, exactly as when the last of them stops. It never sends a removal
// for the selection itself: on 3.6–3.8 servers a Data or Children removal
// also takes the persistent or recursive registration that one-shots on
// the same path are served from, and the persistent watcher types do not
// exist before 3.9. So a persistent registration that still serves someone
// stays, and the server and Watches agree afterwards.
//
// Each watcher ended gets a final event of type DataWatchRemoved,
// ChildWatchRemoved or PersistentWatchRemoved with Err ErrRemoved.
// Removals go to rm, or to Config.Remove when rm is nil (rm is called with
// the manager's lock held and must only enqueue). It returns how many
// watchers it ended; when none, nothing is sent.
func (m *Manager) RemoveLocal(path string, sel Kind, rm Remover) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.nodes[path]
	if n == nil {
		return 0
	}
	selected := func(k Kind) bool {
		switch sel {
		case KindAny:
			return true
		case KindData:
			return k == KindData || k == KindExist
		}
		return k == sel
	}
	ended := 0
	n.filter(func(w *Watcher) bool {
		if !selected(w.kind) {
			return true
		}
		ty := proto.EventDataWatchRemoved
		switch w.kind {
		case KindChild:
			ty = proto.EventChildWatchRemoved
		case KindPersistent, KindPersistentRecursive:
			ty = proto.EventPersistentWatchRemoved
		}
		w.finish(Event{Type: ty, State: m.state, Path: path, Err: ErrRemoved})
		ended++
		return false
	})
	if ended == 0 {
		return 0
	}
	if rm == nil {
		rm = m.remove
	}
	m.reconcileWith(path, n, rm)
	return ended
}
