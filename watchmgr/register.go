package watchmgr

import "github.com/zkwire/zk/proto"

// Begin starts registering w, a zero Watcher the caller allocated (often
// inside a type of its own), as a watcher of kind k on path. With fn non-nil
// the watcher delivers its events by calling fn instead of through a
// channel (see Watcher.Events): callbacks of one manager run one at a time,
// in delivery order, on a goroutine that exists only while some are queued.
//
// It decides whether the server must register the watch and calls send
// with that decision while holding the manager's lock, so that
// registrations and removals reach the connection in the order they were
// decided: send must only enqueue the request. For one-shot kinds,
// serverWatch is the watch flag of the exists/getData/getChildren request
// (the read itself is always needed). For persistent kinds, serverWatch
// false means the path is already covered and no addWatch is needed: the
// caller commits at once.
//
// If send returns an error the watcher is discarded and the error returned.
// Otherwise the caller must call Commit exactly once when the reply is in
// (or the request failed). A Watcher is begun once.
func (m *Manager) Begin(w *Watcher, path string, k Kind, fn func(Event), send func(serverWatch bool) error) error {
	if k >= numKinds {
		panic("watchmgr: Begin with kind " + k.String())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if w.m != nil {
		panic("watchmgr: Begin with a watcher already begun")
	}
	n := m.nodes[path]
	if n == nil {
		n = &node{}
		m.nodes[path] = n
	}
	f := m.inflight[path]
	if f == nil {
		f = &inflight{}
		m.inflight[path] = f
	}
	var server bool
	switch k {
	case KindPersistentRecursive:
		server = !n.coveredByRecursive(f)
	default:
		// One-shots and plain persistent watches on a path that already
		// has a persistent or recursive watch are served from it.
		server = !n.coveredByPersistent(f)
	}
	*w = Watcher{m: m, path: path, kind: k, state: statePending, epoch: m.epoch}
	if server {
		w.flags |= fServer
	}
	if fn != nil {
		w.flags |= fCallback
		m.callbacks[w] = callback{fn: fn}
	}
	// Counted before send: the reply may be processed as soon as the
	// request is queued (Commit then waits for this lock).
	f.pending[k]++
	if server {
		f.server[k]++
	}
	if err := send(server); err != nil {
		m.settle(path, f, w)
		w.state = stateEnded
		delete(m.callbacks, w)
		m.reconcile(path, n)
		return err
	}
	return nil
}

// settle takes w's registration out of the in-flight counts of path,
// forgetting them when none is left. Must hold mu.
func (m *Manager) settle(path string, f *inflight, w *Watcher) {
	f.pending[w.kind]--
	if w.flags&fServer != 0 {
		f.server[w.kind]--
	}
	if f.idle() {
		delete(m.inflight, path)
	}
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
	if w.epoch != m.epoch {
		// Begun before a session ended, answered after: EndAll forgot the
		// in-flight counts with everything else. A failed call or a closed
		// client: it just ends (the caller gets the call's error). A
		// success while connected came from the new session (a call
		// submitted between conn failing the queued calls and the expiry
		// reaching EndAll goes out on the session that replaces it): the
		// server holds that watch, so it joins the current table.
		if !registered || !m.connected() {
			w.end()
			return
		}
		w.epoch = m.epoch
	} else {
		m.settle(w.path, m.inflight[w.path], w)
	}
	n := m.nodes[w.path]
	if n == nil {
		n = &node{}
		m.nodes[w.path] = n
	}
	server := w.flags&fServer != 0
	if registered && server {
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
	case !registered || w.flags&fStopped != 0:
		w.end()
		if !registered && server && !w.kind.OneShot() {
			m.endUncovered(n)
		}
	case !server && !w.coveredBy(n):
		// It was to be served by a persistent watch on the same path
		// whose registration has since failed: end it loudly.
		w.finish(Event{Type: proto.EventNone, State: m.state, Path: w.path, Err: ErrNotKept})
	default:
		if existed {
			w.flags |= fExisted
		}
		w.state = stateActive
		n.push(w)
		if !w.kind.OneShot() {
			m.persistent[w.path] = struct{}{}
		}
	}
	m.reconcile(w.path, n)
}

// coveredBy reports whether a watcher served locally still has the server
// watch it is served from. Must hold mu.
func (w *Watcher) coveredBy(n *node) bool {
	f := w.m.inflight[w.path]
	if w.kind == KindPersistentRecursive {
		return n.coveredByRecursive(f)
	}
	return n.coveredByPersistent(f)
}

// endUncovered ends, with ErrNotKept, the watchers of n that were served
// from a persistent or recursive registration that has just failed.
func (m *Manager) endUncovered(n *node) {
	n.filter(func(w *Watcher) bool {
		if w.flags&fServer != 0 || w.coveredBy(n) {
			return true
		}
		w.finish(Event{Type: proto.EventNone, State: m.state, Path: w.path, Err: ErrNotKept})
		return false
	})
}
