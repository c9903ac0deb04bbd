package watchmgr

import (
	"strings"

	"github.com/zkwire/zk/proto"
)

// Notification delivers a server notification to the local watchers it
// concerns, following ZooKeeper's client table (protocol.md §7.4):
//
//	NodeCreated, NodeDataChanged(P) → data, exist, persistent of P; recursive of P and ancestors
//	NodeDeleted(P)                  → data, exist, child, persistent of P; recursive of P and ancestors
//	NodeChildrenChanged(P)          → child, persistent of P; never recursive
//
// One-shot watchers that receive an event end. Two server quirks are
// hidden here:
//   - recursive watchers never get NodeChildrenChanged, which 3.6–3.8
//     servers may still send them (ZOOKEEPER-4475);
//   - on a path that has a recursive watch of its own, child and persistent
//     watchers are served from that watch (a 3.8 server keeps one mode per
//     path and connection, so their own registration would break it): they
//     get a NodeChildrenChanged made from the recursive watch's NodeCreated
//     and NodeDeleted of direct children, and a server NodeChildrenChanged
//     for such a path is ignored so that nobody gets one twice.
//
// It runs on the receive loop and never blocks.
func (m *Manager) Notification(ev proto.WatcherEvent) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := ev.Path
	state := m.state
	switch ev.Type {
	case proto.EventNodeCreated, proto.EventNodeDataChanged, proto.EventNodeDeleted:
		if ev.Type == proto.EventNodeDeleted {
			if m.dupDeleted != nil {
				if seen, ok := m.dupDeleted[p]; ok {
					if seen {
						delete(m.dupDeleted, p)
						return // the restore's second NodeDeleted for p
					}
					m.dupDeleted[p] = true
				}
			}
		} else if m.dupDeleted != nil {
			delete(m.dupDeleted, p) // a new life of p: a later delete is real
		}
		out := Event{Type: ev.Type, State: state, Path: p}
		if n := m.nodes[p]; n != nil {
			m.fire(n, out, func(k Kind) bool {
				return k != KindChild || ev.Type == proto.EventNodeDeleted
			})
			if ev.Type == proto.EventNodeDeleted {
				n.srv &^= srvData | srvChild
			} else {
				n.srv &^= srvData
			}
			m.reconcile(p, n)
		}
		m.fireRecursive(p, out)
		if ev.Type != proto.EventNodeDataChanged {
			m.synthesizeChildren(p, state)
		}
	case proto.EventNodeChildrenChanged:
		n := m.nodes[p]
		if n == nil || n.srv&srvRecursive != 0 {
			return // served by synthesizeChildren
		}
		m.fire(n, Event{Type: ev.Type, State: state, Path: p}, func(k Kind) bool {
			return k == KindChild || k == KindPersistent
		})
		n.srv &^= srvChild
		m.reconcile(p, n)
	}
}

// fire delivers ev to the watchers of n whose kind wants it (recursive
// watchers are handled by fireRecursive). One-shot watchers end.
func (m *Manager) fire(n *node, ev Event, wants func(Kind) bool) {
	n.filter(func(w *Watcher) bool {
		if w.kind == KindPersistentRecursive || !wants(w.kind) {
			return true
		}
		if w.kind.OneShot() {
			w.finish(ev)
			return false
		}
		if w.deliver(ev) {
			return true
		}
		w.end()
		return false
	})
}

// fireRecursive delivers ev to recursive watchers on p and every ancestor.
func (m *Manager) fireRecursive(p string, ev Event) {
	for q := p; ; q = parent(q) {
		if n := m.nodes[q]; n != nil {
			m.deliverRecursive(q, n, ev)
		}
		if q == "/" {
			return
		}
	}
}

// deliverRecursive sends ev to the recursive watchers of n.
func (m *Manager) deliverRecursive(path string, n *node, ev Event) {
	changed := n.filter(func(w *Watcher) bool {
		if w.kind != KindPersistentRecursive || w.deliver(ev) {
			return true
		}
		w.end()
		return false
	})
	if changed {
		m.reconcile(path, n)
	}
}

// synthesizeChildren tells child and persistent watchers of p's parent that
// its children changed, when the parent has a recursive watch of its own
// (see Notification).
func (m *Manager) synthesizeChildren(p string, state proto.State) {
	if p == "/" {
		return
	}
	q := parent(p)
	n := m.nodes[q]
	if n == nil || n.srv&srvRecursive == 0 {
		return
	}
	m.fire(n, Event{Type: proto.EventNodeChildrenChanged, State: state, Path: q}, func(k Kind) bool {
		return k == KindChild || k == KindPersistent
	})
	m.reconcile(q, n)
}

// parent returns the parent of an absolute path ("/" for top-level nodes
// and for "/" itself).
func parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}
