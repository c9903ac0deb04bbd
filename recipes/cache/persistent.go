package cache

import (
	"errors"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
	"github.com/zkwire/zk/recipes/internal/batch"
)

// maxBatch bounds how many event paths are gathered for one refresh.
const maxBatch = batch.MaxNodes

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

// refresh re-reads paths (one MultiRead per batch, bounded in count and
// bytes) and applies what it finds: a node that exists is added or
// updated, one that does not is removed with its subtree.
func (t *TreeCache) refresh(paths []string) error {
	sizes := make([]int, len(paths))
	for i, p := range paths {
		dl, _, ok := t.st.hint(p)
		sizes[i] = batch.Size(dl, 0, ok)
	}
	var evs []Event
	err := batch.Run(t.ctx, sizes, func(lo, hi int) error {
		chunk := paths[lo:hi]
		ops := make([]zk.ReadOp, len(chunk))
		for i, p := range chunk {
			ops[i] = zk.GetOp(p)
		}
		res, err := t.c.MultiRead(t.ctx, ops...)
		if err != nil {
			return err
		}
		for i, p := range chunk {
			r := res[i]
			switch {
			case r.Err == nil:
				evs = t.st.upsert(p, r.Data, r.Stat, evs)
			case errors.Is(r.Err, zk.ErrNoNode):
				evs = t.st.remove(p, evs)
			default:
				// Unreadable (e.g. no permission): leave the cache as it is.
			}
		}
		return nil
	})
	t.emit(evs, 0) // what was applied, also when a later batch failed
	return err
}

// fullRead reads the whole subtree level by level (data and children of
// each node, in MultiRead batches bounded in count and bytes), updates
// memory, removes what it did not find, and then announces Initialized or
// Resynced.
func (t *TreeCache) fullRead() error {
	seen := make(map[string]bool)
	var evs []Event
	level := []string{t.root}
	for len(level) > 0 {
		var next []string
		sizes := make([]int, len(level))
		for i, p := range level {
			sizes[i] = batch.Size(t.st.hint(p))
		}
		err := batch.Run(t.ctx, sizes, func(lo, hi int) error {
			chunk := level[lo:hi]
			ops := make([]zk.ReadOp, 0, 2*len(chunk))
			for _, p := range chunk {
				ops = append(ops, zk.GetOp(p), zk.ChildrenOp(p))
			}
			res, err := t.c.MultiRead(t.ctx, ops...)
			if err != nil {
				return err
			}
			for i, p := range chunk {
				data, kids := res[2*i], res[2*i+1]
				if data.Err != nil {
					continue // gone (or unreadable): removed below unless seen
				}
				seen[p] = true
				evs = t.st.upsert(p, data.Data, data.Stat, evs)
				if kids.Err == nil {
					for _, name := range kids.Children {
						next = append(next, join(p, name))
					}
				}
			}
			return nil
		})
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
