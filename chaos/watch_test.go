package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/zktest"
)

// The watch oracle. A watcher client (behind fault proxies) sets one-shot
// watches all run long (GetW, ExistsW, ChildrenW on the register keys and
// groups) and a few persistent and recursive ones, and records, per watch,
// the zxid of the reply that set it and every event it delivers. After the
// run the ensemble's transaction logs say which events each watch had to
// deliver (checkWatches).

// watchRec is one watch and what it delivered.
type watchRec struct {
	path string
	kind string // data, exist, child (one-shot); persistent, recursive
	zxid int64  // the zxid of the reply that set it
	dial int64  // the client's dial count when it was set

	mu     sync.Mutex
	events []watchEv // guarded by mu
}

type watchEv struct {
	zk.Event
	dial     int64 // the client's dial count when the event was read
	mustFrom int64 // Resync: a zxid the re-registration happened before
}

type watcher struct {
	c     *zk.Client
	px    []*zktest.Proxy
	dials atomic.Int64
	tr    *tracker
	bug   *seededBugs

	mu   sync.Mutex
	recs []*watchRec // guarded by mu

	readers sync.WaitGroup // one per watch, until its channel closes
	zEnd    int64          // set by finish: every txn up to it must have been delivered
}

func startWatcher(t *testing.T, ens *zktest.Ensemble, tr *tracker, bug *seededBugs) *watcher {
	t.Helper()
	w := &watcher{tr: tr, bug: bug}
	var addrs []string
	for _, a := range ens.Addrs() {
		x := testenv.Proxy(t, a)
		w.px = append(w.px, x)
		addrs = append(addrs, x.Addr())
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		w.dials.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, addrs, zk.WithSessionTimeout(sessionTimeout), zk.WithDialer(dial), zk.WithWatchBuffer(100000))
	if err != nil {
		t.Fatal(err)
	}
	w.c = c
	return w
}

func (w *watcher) cut() {
	for _, x := range w.px {
		x.Cut()
	}
}

// run sets watches until stop. Calls are one at a time, so the client's
// last zxid right after a call is that call's reply zxid.
func (w *watcher) run(stop <-chan struct{}, groups int) {
	rng := rand.New(rand.NewPCG(7, 7))
	persistent := map[string]*watchRec{}
	want := map[string]zk.WatchKind{
		groupDir(0): zk.KindPersistent, groupDir(1): zk.KindPersistent,
		groupDir(2): zk.KindPersistentRecursive, "/chaos": zk.KindPersistentRecursive,
	}
	for {
		select {
		case <-stop:
			return
		case <-time.After(5 * time.Millisecond):
		}
		// Keep the persistent watches set (again after an expiry ended one).
		for p, mode := range want {
			if r := persistent[p]; r != nil && !r.ended() {
				continue
			}
			kind := "persistent"
			if mode == zk.KindPersistentRecursive {
				kind = "recursive"
			}
			var zw *zk.Watch
			err := w.tr.call(opDeadline, "addWatch "+p, func(ctx context.Context) error {
				var err error
				zw, err = w.c.AddWatch(ctx, p, mode)
				return err
			})
			if err == nil {
				persistent[p] = w.track(p, kind, zw)
			}
		}
		g, i := rng.IntN(groups), rng.IntN(2)
		p := keyPath(g, i)
		var zw *zk.Watch
		kind := "data"
		var err error
		switch n := rng.IntN(5); {
		case n < 2:
			err = w.tr.call(opDeadline, "getW "+p, func(ctx context.Context) error {
				_, _, zw, err = w.c.GetW(ctx, p)
				return err
			})
		case n < 4:
			err = w.tr.call(opDeadline, "existsW "+p, func(ctx context.Context) error {
				var ok bool
				ok, _, zw, err = w.c.ExistsW(ctx, p)
				if !ok {
					kind = "exist"
				}
				return err
			})
		default:
			p, kind = groupDir(g), "child"
			err = w.tr.call(opDeadline, "childrenW "+p, func(ctx context.Context) error {
				_, _, zw, err = w.c.ChildrenW(ctx, p)
				return err
			})
		}
		if err == nil && zw != nil {
			w.track(p, kind, zw)
		}
		if err != nil {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// track records a watch just set and reads its events until it ends.
func (w *watcher) track(p, kind string, zw *zk.Watch) *watchRec {
	r := &watchRec{path: p, kind: kind, zxid: w.c.LastZxid(), dial: w.dials.Load()}
	w.mu.Lock()
	w.recs = append(w.recs, r)
	w.mu.Unlock()
	w.readers.Add(1)
	go func() {
		defer w.readers.Done()
		for ev := range zw.Events() {
			e := watchEv{Event: ev, dial: w.dials.Load()}
			if ev.Resync {
				e.mustFrom = w.syncedZxid()
			}
			if w.bug.dropEvent(kind, ev) {
				continue
			}
			r.mu.Lock()
			r.events = append(r.events, e)
			r.mu.Unlock()
		}
	}()
	return r
}

// syncedZxid returns a zxid the client has seen after asking the server
// something now: after a Resync, the watch was re-registered before it.
func (w *watcher) syncedZxid() int64 {
	ctx, cancel := context.WithTimeout(context.Background(), opDeadline)
	defer cancel()
	if _, _, err := w.c.Exists(ctx, "/chaos"); err != nil {
		return 1 << 62 // unknown: nothing is required after this Resync
	}
	return w.c.LastZxid()
}

func (r *watchRec) ended() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events) > 0 && r.events[len(r.events)-1].Err != nil
}

// finish notes the zxid every watch must have caught up with (the writers
// have stopped: a read now answers after every earlier notification),
// closes the client and waits for every watch to end.
func (w *watcher) finish(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := waitFor(ctx, func() error {
		if err := w.c.Sync(ctx, "/chaos"); err != nil {
			return err
		}
		_, _, err := w.c.Exists(ctx, "/chaos")
		return err
	}); err != nil {
		t.Errorf("watcher: final sync: %v", err)
	}
	w.zEnd = w.c.LastZxid()
	w.c.Close()
	done := make(chan struct{})
	go func() { w.readers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Errorf("watcher: a watch channel never closed after Close")
	}
}

// fires returns the event change c fires on a watch of kind on p, and the
// path the event names (a child event names the parent).
func fires(kind, p string, c change) (zk.EventType, string, bool) {
	var own zk.EventType
	switch c.op {
	case "create":
		own = zk.EventNodeCreated
	case "set":
		own = zk.EventNodeDataChanged
	default:
		own = zk.EventNodeDeleted
	}
	child := c.op != "set" && path.Dir(c.path) == p
	switch kind {
	case "data", "exist":
		if c.path == p {
			return own, p, true
		}
	case "child":
		if child {
			return zk.EventNodeChildrenChanged, p, true
		}
		if c.path == p && c.op == "delete" {
			return zk.EventNodeDeleted, p, true
		}
	case "persistent":
		if c.path == p {
			return own, p, true
		}
		if child {
			return zk.EventNodeChildrenChanged, p, true
		}
	case "recursive":
		if c.path == p || strings.HasPrefix(c.path, p+"/") {
			return own, c.path, true
		}
	}
	return 0, "", false
}

// changedAfter reports whether the log has a change of p after exp[:pos].
func changedAfter(exp []expected, pos int, p string) bool {
	for _, x := range exp[pos:] {
		if x.path == p {
			return true
		}
	}
	return false
}

// expected is one event the log says a watch had to deliver.
type expected struct {
	zxid int64
	typ  zk.EventType
	path string
}

func (e expected) String() string { return fmt.Sprintf("%v %s (zxid %#x)", e.typ, e.path, e.zxid) }

// changeIndex lists the changes that may fire a watch on a path: those of
// the path, of its children, and (for recursive watches) all, in order.
type changeIndex struct {
	all    []change
	byPath map[string][]change // the path's own changes and its children's
}

func newChangeIndex(txns []txn) *changeIndex {
	ix := &changeIndex{byPath: map[string][]change{}}
	for _, t := range txns {
		for _, c := range t.changes {
			ix.all = append(ix.all, c)
			ix.byPath[c.path] = append(ix.byPath[c.path], c)
			if d := path.Dir(c.path); d != c.path {
				ix.byPath[d] = append(ix.byPath[d], c)
			}
		}
	}
	return ix
}

func (ix *changeIndex) expectedFor(r *watchRec) []expected {
	cs := ix.byPath[r.path]
	if r.kind == "recursive" {
		cs = ix.all
	}
	i := sort.Search(len(cs), func(i int) bool { return cs[i].zxid > r.zxid })
	var out []expected
	for _, c := range cs[i:] {
		if typ, p, ok := fires(r.kind, r.path, c); ok {
			out = append(out, expected{c.zxid, typ, p})
		}
	}
	return out
}

// watchReport is what the oracle found.
type watchReport struct {
	oneShot, persistent int // watches checked
	resyncEnded         int // one-shot watches ended by a Resync
	catchUp             int // persistent watches' catch-up events after a Resync
	events              int // events delivered and checked
	lost, spurious      int
	details             []string // the first few
}

func (rep *watchReport) fail(lost bool, format string, args ...any) {
	if lost {
		rep.lost++
	} else {
		rep.spurious++
	}
	if len(rep.details) < 10 {
		rep.details = append(rep.details, fmt.Sprintf(format, args...))
	}
}

// checkWatches checks every watch against the log.
//
// One-shot (data, exist, child) set at zxid Z: the first change after Z
// that fires it (T) must be its one event, same type and path; or it ends
// with an error event (expiry; close only if T came after the final
// zxid). If the client reconnected in between, the server re-registered
// it (SetWatches) and fires from the node's state instead: a data watch
// NodeDeleted or NodeDataChanged, a child watch NodeDeleted or
// NodeChildrenChanged, as a change at or after T says.
//
// Persistent and recursive set at Z: every firing change after Z, in
// order, up to the final zxid; a Resync may skip some, but what follows it
// is again an unbroken run, and after the last Resync every change after
// the zxid the client saw once it had reconnected must come.
func checkWatches(w *watcher, txns []txn) watchReport {
	var rep watchReport
	ix := newChangeIndex(txns)
	for _, r := range w.recs {
		exp := ix.expectedFor(r)
		r.mu.Lock()
		evs := r.events
		r.mu.Unlock()
		desc := fmt.Sprintf("%s watch on %s set at zxid %#x", r.kind, r.path, r.zxid)
		if r.kind == "persistent" || r.kind == "recursive" {
			rep.persistent++
			checkPersistent(&rep, desc, exp, evs, w.zEnd)
			continue
		}
		rep.oneShot++
		checkOneShot(&rep, desc, r, exp, evs, w.zEnd)
	}
	return rep
}

func checkOneShot(rep *watchReport, desc string, r *watchRec, exp []expected, evs []watchEv, zEnd int64) {
	var first *expected
	if len(exp) > 0 {
		first = &exp[0]
	}
	if len(evs) == 0 {
		rep.fail(true, "%s: ended with no event at all (log: %v)", desc, first)
		return
	}
	if len(evs) > 1 {
		rep.fail(false, "%s: %d events: %+v", desc, len(evs), evs)
	}
	e := evs[0]
	rep.events++
	switch {
	case e.Resync:
		// Served from a persistent watch of the client's, it ends with
		// that watch's Resync (events may have been missed).
		rep.resyncEnded++
	case e.Err != nil:
		if errors.Is(e.Err, zk.ErrClosed) && first != nil && first.zxid <= zEnd {
			rep.fail(true, "%s: lost: never delivered %v (the client had seen zxid %#x; ended with %v)", desc, first, zEnd, e.Err)
		}
	case first == nil:
		rep.fail(false, "%s: spurious %v %s: no change after it in the log", desc, e.Type, e.Path)
	case e.Type == first.typ && e.Path == first.path:
	case e.dial != r.dial && e.Path == r.path && reregisteredFire(r, exp, e.Type):
	default:
		rep.fail(false, "%s: delivered %+v; the log says the first change after it is %v", desc, e.Event, first)
	}
}

// reregisteredFire reports whether a watch re-registered after a
// reconnect may have fired typ from the node's state at some zxid at or
// after the first change that fires it.
func reregisteredFire(r *watchRec, exp []expected, typ zk.EventType) bool {
	for _, x := range exp {
		switch {
		case typ == zk.EventNodeDeleted && x.typ == zk.EventNodeDeleted && x.path == r.path:
			return true
		case typ == zk.EventNodeDataChanged && r.kind == "data" && x.path == r.path && x.typ != zk.EventNodeDeleted:
			return true
		case typ == zk.EventNodeChildrenChanged && r.kind == "child" && x.typ == zk.EventNodeChildrenChanged:
			return true
		case typ == zk.EventNodeCreated && r.kind == "exist" && x.typ == zk.EventNodeCreated:
			return true
		}
	}
	return false
}

func checkPersistent(rep *watchReport, desc string, exp []expected, evs []watchEv, zEnd int64) {
	// Split into runs at each Resync; other state-only events carry nothing.
	type run struct {
		evs      []watchEv
		mustFrom int64 // after a Resync
		resync   bool
	}
	runs := []run{{}}
	endedClosed := true
	for _, e := range evs {
		switch {
		case e.Err != nil:
			endedClosed = errors.Is(e.Err, zk.ErrClosed)
		case e.Resync:
			runs = append(runs, run{mustFrom: e.mustFrom, resync: true})
		case e.Type == zk.EventNone:
		default:
			rep.events++
			runs[len(runs)-1].evs = append(runs[len(runs)-1].evs, e)
		}
	}
	required := 0 // exp[:required] had to come
	for required < len(exp) && exp[required].zxid <= zEnd {
		required++
	}
	eq := func(e watchEv, x expected) bool { return e.Type == x.typ && e.Path == x.path }
	pos := 0 // exp[:pos] delivered or skipped across a Resync
	for k, ru := range runs {
		prevEnd := pos
		if ru.resync && len(ru.evs) > 0 {
			// A Resync may skip. Right after it may come catch-up events:
			// the server fires the client's re-registered one-shot
			// watches from the nodes' state, and the client hands those
			// events to every matching watch, this one too. Each names a
			// node that changed after what was delivered. The live
			// stream after them must match the log without a gap: the
			// split and start are those of the longest such match.
			// The split: the fewest catch-up events after which the rest
			// of the run matches the log in one stretch; failing that,
			// the longest stretch, to report where it breaks.
			mustReachEnd := k == len(runs)-1 && endedClosed
			bi, bj, bn := -1, -1, 0
		split:
			for i := 0; i < len(ru.evs); i++ {
				if i > 0 && !changedAfter(exp, pos, ru.evs[i-1].Path) {
					break // not a catch-up event
				}
				for j := pos; j < len(exp); j++ {
					n := 0
					for i+n < len(ru.evs) && j+n < len(exp) && eq(ru.evs[i+n], exp[j+n]) {
						n++
					}
					// After the last Resync of a watch that lived to the
					// end, the live stream reaches the log's last required
					// change (identical events, such as a persistent watch's
					// NodeChildrenChanged, fit many places).
					if i+n == len(ru.evs) && (!mustReachEnd || j+n >= required) {
						bi, bj, bn = i, j, n
						break split
					}
					if n > bn {
						bi, bj, bn = i, j, n
					}
				}
			}
			if bj < 0 {
				rep.fail(false, "%s: after Resync %d, %v matches no change in the log after %d delivered or skipped", desc, k, ru.evs[0].Event, pos)
				return
			}
			rep.catchUp += bi
			ru.evs = ru.evs[bi:]
			pos = bj
		}
		runStart := pos
		for i, e := range ru.evs {
			j := pos
			for j < len(exp) && !eq(e, exp[j]) {
				j++
			}
			if j == len(exp) {
				rep.fail(false, "%s: spurious: event %d after Resync %d, %v, is no change in the log after %v", desc, i, k, e.Event, exp[max(pos-1, 0)])
				return
			}
			if j > pos {
				why := ""
				if ru.resync && runStart == prevEnd {
					why = fmt.Sprintf("; the %d events before the gap continue the run before Resync %d without a gap: were they from the old connection, delivered after the Resync?", i, k)
				}
				rep.fail(true, "%s: lost %d events with no Resync between: before event %d after Resync %d (%v, zxid %#x) the log has %v .. %v%s",
					desc, j-pos, i, k, e.Event, exp[j].zxid, exp[pos], exp[j-1], why)
				return
			}
			pos = j + 1
		}
		if k == len(runs)-1 && endedClosed {
			q := pos
			for ru.resync && q < required && exp[q].zxid <= ru.mustFrom {
				q++
			}
			if q < required {
				var lastEv []zk.Event
				for _, e := range ru.evs[max(len(ru.evs)-3, 0):] {
					lastEv = append(lastEv, e.Event)
				}
				rep.fail(true, "%s: lost: %d events from %v never came (the client had seen zxid %#x); the run after Resync %d (mustFrom %#x) ended with %v, matching the log's %v; the log then has %v",
					desc, required-q, exp[q], zEnd, k, ru.mustFrom, lastEv, exp[max(pos-3, 0):pos], exp[pos:min(pos+4, len(exp))])
			}
		}
	}
}
