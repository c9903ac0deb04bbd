package watchmgr

import (
	"sort"
	"sync"

	"github.com/zkwire/zk/proto"
)

// DefaultBuffer is the channel capacity of a persistent watcher.
const DefaultBuffer = 1024

// Remover sends a removeWatches request for path and type. The manager
// calls it with its mutex held, so that removals and registrations reach
// the connection in the order they were decided: it must only enqueue the
// request, never wait for it. Its outcome does not matter to the manager
// (a NoWatcher reply just means the server had already dropped the watch).
type Remover func(path string, t proto.WatcherType)

// Config configures a Manager.
type Config struct {
	// Remove enqueues server-side removals. Nil means watches are only ever
	// removed locally (useful in tests).
	Remove Remover
	// Buffer is the channel capacity of each persistent and recursive
	// watcher (at least 2; default DefaultBuffer). One-shot watchers need 1.
	Buffer int
}

// srv is the set of server registrations the manager believes one path has
// on the current connection.
type srv uint8

const (
	srvData       srv = 1 << iota // standard watch in the data table (getData/exists)
	srvChild                      // standard watch in the child table (getChildren)
	srvPersistent                 // addWatch PERSISTENT
	srvRecursive                  // addWatch PERSISTENT_RECURSIVE
)

// node is everything the manager knows about one path, apart from
// registrations in flight (inflight). It is kept small: with distinct
// paths there is one per watch.
type node struct {
	head *Watcher // active watchers of every kind, linked by Watcher.next
	srv  srv
}

// inflight counts the registrations of one path that await their reply.
// It exists only while there are some, so that a watch at rest does not
// pay for it.
type inflight struct {
	pending [numKinds]int32 // registrations awaiting a reply
	server  [numKinds]int32 // of those, the ones that asked the server
}

func (f *inflight) pend(k Kind) int32 {
	if f == nil {
		return 0
	}
	return f.pending[k]
}

func (f *inflight) pendServer(k Kind) int32 {
	if f == nil {
		return 0
	}
	return f.server[k]
}

func (f *inflight) idle() bool { return f == nil || f.pending == [numKinds]int32{} }

func (n *node) push(w *Watcher) {
	w.next = n.head
	n.head = w
}

func (n *node) remove(w *Watcher) {
	for p := &n.head; *p != nil; p = &(*p).next {
		if *p == w {
			*p = w.next
			w.next = nil
			return
		}
	}
}

// filter unlinks the watchers for which keep returns false (keep may end
// them; it must not touch the list). It reports whether any was unlinked.
func (n *node) filter(keep func(*Watcher) bool) bool {
	changed := false
	for p := &n.head; *p != nil; {
		w := *p
		if keep(w) {
			p = &w.next
			continue
		}
		*p = w.next
		w.next = nil
		changed = true
	}
	return changed
}

// count returns how many active watchers of kind k the node has.
func (n *node) count(k Kind) int {
	c := 0
	for w := n.head; w != nil; w = w.next {
		if w.kind == k {
			c++
		}
	}
	return c
}

func (n *node) len() int {
	c := 0
	for w := n.head; w != nil; w = w.next {
		c++
	}
	return c
}

// coveredByPersistent reports whether a persistent or recursive watch on
// this very path is on the server or on its way there. Such a watch already
// sees every event a one-shot on the path could want, and on 3.6–3.8
// servers a one-shot registration would silently turn it into a one-shot
// (ZOOKEEPER-4466), so one-shots are then served from it locally.
func (n *node) coveredByPersistent(f *inflight) bool {
	return n.srv&(srvPersistent|srvRecursive) != 0 ||
		f.pendServer(KindPersistent) > 0 || f.pendServer(KindPersistentRecursive) > 0
}

// coveredByRecursive is the same for a recursive watch alone.
func (n *node) coveredByRecursive(f *inflight) bool {
	return n.srv&srvRecursive != 0 || f.pendServer(KindPersistentRecursive) > 0
}

// Manager tracks local watchers and server registrations for one client.
// Paths are relative to the chroot throughout.
type Manager struct {
	remove Remover
	buffer int

	mu        sync.Mutex
	nodes     map[string]*node     // guarded by mu
	inflight  map[string]*inflight // paths with registrations in flight; guarded by mu
	state     proto.State          // last state seen; guarded by mu
	epoch     uint32               // bumped when a session ends; guarded by mu
	overflows uint64               // guarded by mu
	// dupDeleted suppresses the second NodeDeleted the server sends after a
	// restore with a path in both the data and child lists (protocol.md
	// §10 item 15), which it does only for a path missing at restore time.
	// It lives from Restore until RestoreDone (the restore's reply, which
	// follows every catch-up event) or a disconnect; guarded by mu.
	dupDeleted map[string]bool
	// persistent holds every path with an active persistent or recursive
	// watcher (and perhaps some that had one: broadcast drops those), so
	// that a state change visits only them, not every one-shot: with
	// 100k one-shots, visiting all of them held up each disconnect by
	// ~10 ms of CPU. Guarded by mu.
	persistent map[string]struct{}
	// Callback watchers and their queue (callback.go); guarded by mu.
	callbacks map[*Watcher]callback
	cbq       []queuedEvent
	cbHead    int
	cbRunning bool
	cbIdle    chan struct{} // closed when the callback goroutine ends; made by CallbacksIdle
}

// New returns an empty manager.
func New(cfg Config) *Manager {
	b := cfg.Buffer
	if b <= 0 {
		b = DefaultBuffer
	}
	if b < 2 {
		b = 2
	}
	return &Manager{
		remove:     cfg.Remove,
		buffer:     b,
		nodes:      make(map[string]*node),
		inflight:   make(map[string]*inflight),
		persistent: make(map[string]struct{}),
		callbacks:  make(map[*Watcher]callback),
		state:      proto.StateConnecting,
	}
}

// reconcile removes server registrations of path that no local watcher
// needs any more, then forgets the node if nothing is left. Must hold mu.
//
// A persistent or recursive registration is removed only when nothing at
// all is left on the path, with type Any: 3.8 servers remove persistent
// watches with no other type, and Any would also take standard watches that
// one-shots still hold. While one-shots remain, the persistent registration
// lingers and serves them.
func (m *Manager) reconcile(path string, n *node) { m.reconcileWith(path, n, m.remove) }

// reconcileWith is reconcile with removals sent to rm.
func (m *Manager) reconcileWith(path string, n *node, rm Remover) {
	f := m.inflight[path]
	if n.srv&(srvPersistent|srvRecursive) != 0 {
		if n.head == nil && f.idle() {
			m.sendRemove(rm, path, proto.WatcherAny)
			n.srv = 0
		}
	} else {
		if n.srv&srvData != 0 && n.count(KindData)+n.count(KindExist) == 0 &&
			f.pend(KindData)+f.pend(KindExist) == 0 {
			m.sendRemove(rm, path, proto.WatcherData)
			n.srv &^= srvData
		}
		if n.srv&srvChild != 0 && n.count(KindChild) == 0 && f.pend(KindChild) == 0 {
			m.sendRemove(rm, path, proto.WatcherChildren)
			n.srv &^= srvChild
		}
	}
	m.forgetIfIdle(path, n)
}

// forgetIfIdle deletes the node of path if it holds nothing. Must hold mu.
func (m *Manager) forgetIfIdle(path string, n *node) {
	if n.head == nil && n.srv == 0 && m.inflight[path].idle() {
		delete(m.nodes, path)
		delete(m.persistent, path)
	}
}

func (m *Manager) sendRemove(rm Remover, path string, t proto.WatcherType) {
	if rm != nil && m.connected() {
		rm(path, t)
	}
	// Disconnected: the server dropped the connection's watches already,
	// and restore sends only what is still wanted, so there is nothing to
	// remove.
}

func (m *Manager) connected() bool {
	return m.state == proto.StateSyncConnected || m.state == proto.StateConnectedReadOnly
}

// Registration is one row of Watches: a path, a kind, how many local
// watchers share it, and whether the server holds a watch for it.
type Registration struct {
	Path     string
	Kind     Kind
	Watchers int  // active local watchers
	Pending  int  // registrations awaiting a reply
	Server   bool // the server holds a watch for this path and kind
	// Local is true for watchers served from a persistent or recursive
	// watch on the same path rather than by their own server watch.
	Local bool
}

// Watches lists the registrations, sorted by path then kind, so leaks can
// be seen and tested. A persistent registration kept only to serve
// remaining one-shots is listed with Watchers 0.
func (m *Manager) Watches() []Registration {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Registration
	for path, n := range m.nodes {
		f := m.inflight[path]
		for k := Kind(0); k < numKinds; k++ {
			r := Registration{Path: path, Kind: k, Watchers: n.count(k), Pending: int(f.pend(k))}
			switch k {
			case KindData, KindExist:
				r.Server = n.srv&srvData != 0
			case KindChild:
				r.Server = n.srv&srvChild != 0
			case KindPersistent:
				r.Server = n.srv&srvPersistent != 0
			case KindPersistentRecursive:
				r.Server = n.srv&srvRecursive != 0
			}
			if k != KindPersistentRecursive && !r.Server && r.Watchers > 0 && n.srv&(srvPersistent|srvRecursive) != 0 {
				r.Local = true
			}
			// Data and exist watchers share one server watch: list it once,
			// on the data row, unless exist watchers are there to count.
			listed := r.Watchers > 0 || r.Pending > 0
			if k == KindData && r.Server && n.count(KindExist) == 0 && f.pend(KindExist) == 0 {
				listed = true // kept with no watcher (e.g. a pending removal)
			}
			if k != KindData && k != KindExist && r.Server {
				listed = true
			}
			if listed {
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// Stats are counters for metrics and tests.
type Stats struct {
	Paths     int    // paths with any watcher or registration
	Watchers  int    // active local watchers
	Overflows uint64 // watchers ended by ErrOverflow since New
}

// Stats returns current counters.
func (m *Manager) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := Stats{Paths: len(m.nodes), Overflows: m.overflows}
	for _, n := range m.nodes {
		s.Watchers += n.len()
	}
	return s
}
