package cache

import (
	"errors"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
	"github.com/zkwire/zk/recipes/internal/lifecycle"
)

// The one-shot mode keeps a data watch (GetW, or ExistsW on a missing
// root) and a child watch (ChildrenW) on every cached node. A watch that
// fires queues a re-read of its node, which sets the next watch; a child
// list that changed queues reads of the new children and drops the
// subtrees of the missing ones. One-shot watches are restored by the client
// after a reconnect and fire for anything missed, so only session expiry
// needs a full re-read.

// what a task re-reads.
type what uint8

const (
	readData what = 1 << iota
	readChildren
)

// firing is a one-shot watch that fired (or ended).
type firing struct {
	path  string
	kind  what
	epoch int
	ev    zk.Event
}

// oneShot is the state of the one-shot mode, owned by the run goroutine.
type oneShot struct {
	t       *TreeCache
	fired   chan firing
	epoch   int // bumped at session expiry: firings of older watches are ignored
	armed   map[string]what
	queue   []string
	pending map[string]what // what is queued per path
	full    bool            // a full read is in progress: announce its end
}

func (t *TreeCache) runOneShot() error {
	o := &oneShot{t: t, fired: make(chan firing, 64), armed: make(map[string]what), pending: make(map[string]what)}
	o.push(t.root, readData|readChildren)
	o.full = true
	var retries backoff.Counter
	for {
		// Take every firing waiting, then one task; block only when idle.
		for {
			var f firing
			if len(o.queue) > 0 {
				select {
				case f = <-o.fired:
				case <-t.ctx.Done():
					return nil
				default:
				}
			} else {
				if o.full {
					o.full = false
					t.emit(nil, Resynced)
				}
				select {
				case f = <-o.fired:
				case <-t.ctx.Done():
					return nil
				}
			}
			if f.kind == 0 {
				break
			}
			if err := o.onFiring(f); err != nil {
				return err
			}
		}
		p := o.queue[0]
		w := o.pending[p]
		session := t.c.SessionID()
		err := o.read(p, w)
		if err == nil {
			o.queue = o.queue[1:]
			delete(o.pending, p)
			retries.Reset()
			continue
		}
		if errors.Is(err, zk.ErrSessionExpired) {
			if err := o.expired(session); err != nil {
				return err
			}
			continue
		}
		// The task stays queued: retry it after a pause.
		if err := t.recover(err, session, &retries); err != nil {
			return err
		}
	}
}

func (o *oneShot) push(p string, w what) {
	if o.pending[p] == 0 {
		o.queue = append(o.queue, p)
	}
	o.pending[p] |= w
}

func (o *oneShot) onFiring(f firing) error {
	if f.epoch != o.epoch {
		return nil // a watch of an expired session
	}
	if f.ev.Err != nil {
		if errors.Is(f.ev.Err, zk.ErrSessionExpired) {
			return o.expired(o.t.c.SessionID())
		}
		if lifecycle.Terminal(f.ev.Err) {
			return f.ev.Err
		}
	}
	o.armed[f.path] &^= f.kind
	o.push(f.path, f.kind)
	return nil
}

// expired starts over after session expiry: every watch is gone, so wait
// for the new session and re-read everything.
func (o *oneShot) expired(session int64) error {
	if err := lifecycle.WaitNewSession(o.t.ctx, o.t.c, session); err != nil {
		return err
	}
	o.epoch++
	clear(o.armed)
	clear(o.pending)
	o.queue = o.queue[:0]
	o.push(o.t.root, readData|readChildren)
	o.full = true
	return nil
}

// read re-reads what w says of p, sets the watches that are not set, and
// queues the reads that follow from what it found.
func (o *oneShot) read(p string, w what) error {
	t := o.t
	var evs []Event
	if w&readData != 0 && o.armed[p]&readData == 0 {
		data, stat, dw, err := t.c.GetW(t.ctx, p)
		switch {
		case errors.Is(err, zk.ErrNoNode):
			evs = t.st.remove(p, evs)
			if p == t.root {
				// Nothing above the root announces its creation.
				exists, _, ew, err := t.c.ExistsW(t.ctx, p)
				if err != nil {
					t.emit(evs, 0)
					return err
				}
				if exists {
					ew.Stop()
					t.emit(evs, 0)
					return o.read(p, w) // created meanwhile
				}
				o.arm(p, readData, ew)
			}
			t.emit(evs, 0)
			return nil // no node, no children to read
		case err != nil:
			return err
		}
		o.arm(p, readData, dw)
		evs = t.st.upsert(p, data, stat, evs)
		if o.armed[p]&readChildren == 0 {
			w |= readChildren
		}
	}
	if w&readChildren != 0 && o.armed[p]&readChildren == 0 {
		names, _, cw, err := t.c.ChildrenW(t.ctx, p)
		switch {
		case errors.Is(err, zk.ErrNoNode):
			t.emit(evs, 0)
			return nil // the data watch announces the deletion
		case err != nil:
			t.emit(evs, 0)
			return err
		}
		o.arm(p, readChildren, cw)
		present := make(map[string]bool, len(names))
		for _, name := range names {
			present[name] = true
			if c := join(p, name); o.armed[c]&readData == 0 {
				o.push(c, readData)
			}
		}
		for _, name := range t.st.cachedChildren(p) {
			if !present[name] {
				evs = t.st.remove(join(p, name), evs)
			}
		}
	}
	t.emit(evs, 0)
	return nil
}

// arm records watch w of kind k on p and forwards its event to the run
// loop from a goroutine of its own (one per live watch).
func (o *oneShot) arm(p string, k what, w *zk.Watch) {
	o.armed[p] |= k
	t, epoch := o.t, o.epoch
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		select {
		case ev, ok := <-w.C:
			if !ok {
				return
			}
			select {
			case o.fired <- firing{path: p, kind: k, epoch: epoch, ev: ev}:
			case <-t.ctx.Done():
			}
		case <-t.ctx.Done():
			w.Stop()
		}
	}()
}
