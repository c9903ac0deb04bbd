package cache

import (
	"errors"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
)

// maxBatch bounds how many event paths are gathered for one refresh.
const maxBatch = 128

// readGroup is how many reads go in one multiRead (zk.GroupReads): the
// cache reads many small nodes, and a multiRead of many costs the server
// and the client far less than as many requests. The batch splits a
// group whose reply is over the client's limit.
const readGroup = 128

// runPersistent follows the subtree on one persistent recursive watch.
// After every (re)registration it reads the whole subtree and diffs it
// against memory; between full reads it re-reads the paths that events
// name, in batches. It returns zk.ErrUnimplemented (from AddWatch) when
// the server has no persistent watches.
func (t *TreeCache) runPersistent() error {
	var retries backoff.Counter
	for {
		session := t.c.SessionID()
		w, err := t.c.AddWatch(t.ctx, t.root, zk.WatchPersistentRecursive)
		if errors.Is(err, zk.ErrUnimplemented) {
			return err
		}
		if err == nil {
			err = t.follow(w)
			w.Stop()
			if err == nil {
				return nil // closed
			}
			retries.Reset()
		}
		if err := t.recover(err, session, &retries); err != nil {
			return err
		}
	}
}

// follow keeps the cache in step with w until w ends or a read fails; it
// returns why (nil when the cache is closed).
func (t *TreeCache) follow(w *zk.Watch) error {
	// The watch is set before this read, so every change the read misses
	// is announced by an event still waiting in w.C.
	if err := t.fullRead(); err != nil {
		return err
	}
	for {
		var first zk.Event
		var ok bool
		select {
		case first, ok = <-w.C:
		case <-t.ctx.Done():
			return nil
		}
		paths, resync, err := collect(w, first, ok)
		if err != nil {
			return err
		}
		if resync {
			// Reconnected: the server replays nothing, so read it all.
			if err := t.fullRead(); err != nil {
				return err
			}
			continue
		}
		if err := t.refresh(paths); err != nil {
			return err
		}
	}
}

// collect gathers the paths named by first and by the events already
// waiting behind it (up to maxBatch paths), deduplicated in order. It
// reports a resync, or the error that ended the watch.
func collect(w *zk.Watch, first zk.Event, ok bool) (paths []string, resync bool, err error) {
	seen := make(map[string]bool)
	ev := first
	for {
		switch {
		case !ok:
			return nil, false, zk.ErrWatchOverflow // ended without a reason: start over
		case ev.Err != nil:
			return nil, false, ev.Err
		case ev.Resync:
			resync = true
		case ev.Type != zk.EventNone && !seen[ev.Path]:
			seen[ev.Path] = true
			paths = append(paths, ev.Path)
		}
		if len(paths) >= maxBatch {
			return paths, resync, nil
		}
		select {
		case ev, ok = <-w.C:
		default:
			return paths, resync, nil
		}
	}
}

// refresh re-reads paths (one batch, reads grouped) and applies what it
// finds: a node that exists is added or updated, one that does not is
// removed with its subtree, one that cannot be read (no permission, a
// reply over the client's limit) is left as it is.
func (t *TreeCache) refresh(paths []string) error {
	b := t.c.NewBatch(zk.GroupReads(readGroup))
	for _, p := range paths {
		b.Get(p)
	}
	res, err := b.Wait(t.ctx)
	var evs []Event
	for i, p := range paths {
		r := res[i]
		switch {
		case r.Err == nil:
			evs = t.st.upsert(p, r.Data, r.Stat, evs)
		case errors.Is(r.Err, zk.ErrNoNode):
			evs = t.st.remove(p, evs)
		}
	}
	t.emit(evs, 0) // what was read, also when the batch stopped early
	return err
}

// fullRead reads the whole subtree level by level (data and children of
// each node, one batch per level, reads grouped and pipelined), updates
// memory, removes what it did not find, and then announces Initialized or
// Resynced. A node
// whose data or children cannot be read (no permission, a reply over the
// client's limit) keeps what the cache holds of it and below it.
func (t *TreeCache) fullRead() error {
	seen := make(map[string]bool)
	var evs []Event
	b := t.c.NewBatch(zk.GroupReads(readGroup))
	level := []string{t.root}
	for len(level) > 0 {
		for _, p := range level {
			b.Get(p)
			b.Children(p)
		}
		res, err := b.Wait(t.ctx)
		var next []string
		for i, p := range level {
			data, kids := res[2*i], res[2*i+1]
			switch {
			case errors.Is(data.Err, zk.ErrNoNode):
				continue // gone: removed below unless seen
			case data.Err != nil:
				t.st.keep(p, seen) // unreadable: left as it is
				continue
			}
			seen[p] = true
			evs = t.st.upsert(p, data.Data, data.Stat, evs)
			switch {
			case kids.Err == nil:
				for _, name := range kids.Children {
					next = append(next, join(p, name))
				}
			case !errors.Is(kids.Err, zk.ErrNoNode):
				t.st.keep(p, seen) // its children unreadable: left as they are
			}
		}
		if err != nil {
			t.emit(evs, 0) // what was applied so far
			return err
		}
		level = next
	}
	evs = t.st.removeUnseen(seen, evs)
	t.emit(evs, Resynced)
	return nil
}
