package watchmgr

import "github.com/zkwire/zk/proto"

// Begin starts registering a watcher of kind k on path.
//
// It decides whether the server must register the watch and calls send
// with that decision while holding the manager's lock, so that
// registrations and removals reach the connection in the order they were
// decided: send must only enqueue the request. For one-shot kinds,
// serverWatch is the watch flag of the exists/getData/getChildren request
// (the read itself is always needed). For persistent kinds, serverWatch
// false means the path is already covered and no addWatch is needed: the
// caller commits at once. send gets the watcher so that the request's reply
// handler can commit it.
//
// If send returns an error the watcher is discarded and the error returned.
// Otherwise the caller must call Commit exactly once when the reply is in
// (or the request failed).
func (m *Manager) Begin(path string, k Kind, send func(w *Watcher, serverWatch bool) error) (*Watcher, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.nodes[path]
	if n == nil {
		n = &node{}
		m.nodes[path] = n
	}
	var server bool
	switch k {
	case KindPersistentRecursive:
		server = !n.coveredByRecursive()
	default:
		// One-shots and plain persistent watches on a path that already
		// has a persistent or recursive watch are served from it.
		server = !n.coveredByPersistent()
	}
	capacity := 1
	if !k.OneShot() {
		capacity = m.buffer
	}
	ch := make(chan Event, capacity)
	w := &Watcher{C: ch, ch: ch, m: m, n: n, path: path, kind: k, server: server, epoch: m.epoch}
	// Counted before send: the reply may be processed as soon as the
	// request is queued (Commit then waits for this lock).
	n.pending[k]++
	if server {
		n.pendSrv[k]++
	}
	if err := send(w, server); err != nil {
		n.pending[k]--
		if server {
			n.pendSrv[k]--
		}
		w.state = stateEnded
		m.reconcile(path, n)
		return nil, err
	}
	return w, nil
}

// Commit completes a registration begun with Begin. registered says
// whether the operation set the watch: for getData and getChildren, the
// call succeeded; for exists, it succeeded or failed with NoNode; for
// addWatch, it succeeded. existed says whether the node existed (exists
// returned a Stat), which decides how the watch is restored after a
// reconnect.
//
// An unregistered watcher ends silently (the caller reports the call's
// error instead of returning the watcher). Commit runs on the receive
// loop; it never blocks.
func (w *Watcher) Commit(registered, existed bool) {
	m := w.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if w.state != statePending {
		return
	}
	n := w.n
	n.pending[w.kind]--
	if w.server {
		n.pendSrv[w.kind]--
	}
	if w.epoch != m.epoch {
		// Begun before a session ended, answered after. A failed call or
		// a closed client: it just ends (the caller gets the call's error).
		// A success while connected came from the new session (a call
		// submitted between conn failing the queued calls and the expiry
		// reaching EndAll goes out on the session that replaces it): the
		// server holds that watch, so it joins the current table.
		if !registered || !m.connected() {
			w.end()
			return
		}
		w.epoch = m.epoch
		if n = m.nodes[w.path]; n == nil {
			n = &node{}
			m.nodes[w.path] = n
		}
		w.n = n
	}
	if registered && w.server {
		switch w.kind {
		case KindData, KindExist:
			n.srv |= srvData
		case KindChild:
			n.srv |= srvChild
		case KindPersistent:
			n.srv |= srvPersistent
		case KindPersistentRecursive:
			n.srv |= srvRecursive
		}
	}
	switch {
	case !registered || w.stopped:
		w.end()
		if !registered && w.server && !w.kind.OneShot() {
			m.endUncovered(n)
		}
	case !w.server && !w.coveredBy(n):
		// It was to be served by a persistent watch on the same path
		// whose registration has since failed: end it loudly.
		w.ch <- Event{Type: proto.EventNone, State: m.state, Path: w.path, Err: ErrNotKept}
		w.end()
	default:
		w.existed = existed
		w.state = stateActive
		n.watchers = append(n.watchers, w)
	}
	m.reconcile(w.path, n)
}

// coveredBy reports whether a watcher served locally still has the server
// watch it is served from.
func (w *Watcher) coveredBy(n *node) bool {
	if w.kind == KindPersistentRecursive {
		return n.coveredByRecursive()
	}
	return n.coveredByPersistent()
}

// endUncovered ends, with ErrNotKept, the watchers of n that were served
// from a persistent or recursive registration that has just failed.
func (m *Manager) endUncovered(n *node) {
	kept := n.watchers[:0]
	for _, w := range n.watchers {
		if w.server || w.coveredBy(n) {
			kept = append(kept, w)
			continue
		}
		w.ch <- Event{Type: proto.EventNone, State: m.state, Path: w.path, Err: ErrNotKept}
		w.end()
	}
	clear(n.watchers[len(kept):])
	n.watchers = kept
}
