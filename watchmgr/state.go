package watchmgr

import "github.com/zkwire/zk/proto"

// StateChange tells the manager about a session state transition. It
// never blocks.
//
//   - Disconnected: persistent and recursive watchers get a state event;
//     nothing ends (a state event never ends a watch).
//   - Connected / ConnectedReadOnly on an existing session: persistent and
//     recursive watchers get a state event with Resync set, delivered
//     before any event from the new connection, because the server replays
//     nothing for them. One-shot child watchers that were served from a
//     recursive watch on their own path end with the same event, since no
//     catch-up can reach them (see Restore).
//   - Connected on a new session: the same, for whatever watchers are
//     still there. After expiry there are none (EndAll ended them); a
//     session a read-only server created, though, is replaced by a
//     read-write server's with its watches carried over (conn restores
//     them), and those missed the changes made meanwhile like any others.
//
// Expiry, authentication failure and Close are announced with EndAll.
func (m *Manager) StateChange(s proto.State, newSession bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prev := m.state
	m.state = s
	switch s {
	case proto.StateDisconnected:
		m.dupDeleted = nil
		if prev == proto.StateDisconnected {
			return
		}
		m.broadcast(Event{Type: proto.EventNone, State: s})
	case proto.StateSyncConnected, proto.StateConnectedReadOnly:
		if prev == proto.StateConnecting {
			return // the first connection: nothing to resynchronise
		}
		m.broadcast(Event{Type: proto.EventNone, State: s, Resync: true})
	}
}

// broadcast sends a state event to every persistent and recursive watcher,
// and ends one-shots served from a recursive watch when ev is a resync.
// Both live only on paths in m.persistent: other paths are not visited.
func (m *Manager) broadcast(ev Event) {
	for path := range m.persistent {
		n := m.nodes[path]
		if n == nil {
			delete(m.persistent, path)
			continue
		}
		recursive := n.count(KindPersistentRecursive) > 0
		kept := false // a persistent or recursive watcher is left
		changed := n.filter(func(w *Watcher) bool {
			e := ev
			e.Path = w.path
			switch {
			case !w.kind.OneShot():
				if !w.deliver(e) {
					w.end()
					return false
				}
				kept = true
			case ev.Resync && w.kind == KindChild && recursive:
				// Served from the recursive watch on its own path, which
				// gets no catch-up: end it so its owner re-reads.
				w.finish(e)
				return false
			}
			return true
		})
		if !kept {
			delete(m.persistent, path)
		}
		if changed {
			m.reconcile(path, n)
		}
	}
}

// EndAll ends every watcher with a final event carrying err (session
// expired, authentication failed, client closed) and forgets every
// registration: nothing of a dead session is re-registered. Registrations
// still awaiting a reply end when their Commit comes.
func (m *Manager) EndAll(state proto.State, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state = state
	m.epoch++
	for _, n := range m.nodes {
		for w := n.head; w != nil; {
			next := w.next
			w.next = nil
			w.finish(Event{Type: proto.EventNone, State: state, Path: w.path, Err: err})
			w = next
		}
	}
	m.nodes = make(map[string]*node)
	m.inflight = make(map[string]*inflight)
	m.persistent = make(map[string]struct{})
	m.dupDeleted = nil
}

// RestoreDone tells the manager that the server has answered the last
// packet of the restore that Restore listed (or that it failed). The server
// sends its catch-up events before that reply, so the second NodeDeleted of
// a path restored in both the data and the child list can only come before
// it: from here on every NodeDeleted is a new one.
func (m *Manager) RestoreDone() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dupDeleted = nil
}

// Set is one group of paths to re-register on a new connection.
type Set struct {
	Data, Exist, Child, Persistent, Recursive []string
}

// Restore returns what to re-register after a reconnect to the same
// session, and records that the server will hold exactly that.
//
// Every active watcher is listed by its kind (data watchers and exists
// watchers that saw the node in Data, other exists watchers in Exist), so
// the server sends catch-up events for what changed while disconnected.
// Registrations that only served other watchers are dropped. (One-shot
// child watchers served from a recursive watch on their own path were
// ended by the resync of StateChange, which comes first.)
func (m *Manager) Restore() Set {
	m.mu.Lock()
	defer m.mu.Unlock()
	var s Set
	m.dupDeleted = nil
	for path, n := range m.nodes {
		var inData, inExist, inChild, inPers, inRec bool
		for w := n.head; w != nil; w = w.next {
			switch w.kind {
			case KindData:
				inData = true
			case KindExist:
				if w.flags&fExisted != 0 {
					inData = true
				} else {
					inExist = true
				}
			case KindChild:
				inChild = true
			case KindPersistent:
				inPers = true
			case KindPersistentRecursive:
				inRec = true
			}
		}
		var reg srv
		if inData {
			s.Data = append(s.Data, path)
			reg |= srvData
		}
		if inExist {
			s.Exist = append(s.Exist, path)
			reg |= srvData
		}
		if inChild {
			s.Child = append(s.Child, path)
			reg |= srvChild
			if inData || inExist {
				if m.dupDeleted == nil {
					m.dupDeleted = make(map[string]bool)
				}
				m.dupDeleted[path] = false
			}
		}
		if inPers {
			s.Persistent = append(s.Persistent, path)
			reg |= srvPersistent
		}
		if inRec {
			s.Recursive = append(s.Recursive, path)
			reg |= srvRecursive
		}
		n.srv = reg
		m.forgetIfIdle(path, n)
	}
	return s
}
