package zk

import (
	"context"
	"errors"
	"slices"
)

// DataUpdate is one state of a node watched with WatchData. Stat is nil
// while the node does not exist. Err is set only on the final update, when
// the watch ends for a reason other than its context.
type DataUpdate struct {
	Data []byte
	Stat *Stat
	Err  error
}

// ChildrenUpdate is one state of a node's children watched with
// WatchChildren. Stat is nil while the node does not exist. Err is set only
// on the final update.
type ChildrenUpdate struct {
	Children []string
	Stat     *Stat
	Err      error
}

// WatchData follows a node's data: it sends the current state at once,
// then a new state after every change, re-reading the node each time it
// re-arms its watch so that the latest state is never missed, however many
// changes land between a notification and the re-arm. Connection loss and
// state-only events do not end it. A slow reader gets the latest state, not
// a backlog (each channel holds one update, replaced by newer ones). The
// channel closes when ctx ends, after a final update with Err if it ends
// for another reason (client closed, expiry without ResumeAfterExpiry,
// permission denied). The only option that applies is ResumeAfterExpiry.
func WatchData(ctx context.Context, c *Client, path string, opts ...WatchOption) (<-chan DataUpdate, error) {
	read := func(ctx context.Context) (DataUpdate, *Watch, error) {
		data, stat, w, err := c.GetW(ctx, path)
		return DataUpdate{Data: data, Stat: stat}, w, err
	}
	return follow(ctx, c, "watchData", path, opts, read, sameData,
		func(err error) DataUpdate { return DataUpdate{Err: err} })
}

// WatchChildren follows a node's children as WatchData follows its data.
// The children are sorted.
func WatchChildren(ctx context.Context, c *Client, path string, opts ...WatchOption) (<-chan ChildrenUpdate, error) {
	read := func(ctx context.Context) (ChildrenUpdate, *Watch, error) {
		children, stat, w, err := c.ChildrenW(ctx, path)
		slices.Sort(children)
		return ChildrenUpdate{Children: children, Stat: stat}, w, err
	}
	return follow(ctx, c, "watchChildren", path, opts, read, sameChildren,
		func(err error) ChildrenUpdate { return ChildrenUpdate{Err: err} })
}

// follow is the loop of WatchData and WatchChildren: read with a watch,
// send the state if it changed, wait for the watch, again. A node that
// does not exist is watched with ExistsW and sent as the zero update;
// ended makes the final update for an error.
func follow[U any](ctx context.Context, c *Client, op, path string, opts []WatchOption,
	read func(context.Context) (U, *Watch, error), same func(a, b U) bool, ended func(error) U) (<-chan U, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, opErr(op, path, err)
	}
	if err := validPath(op, path); err != nil {
		return nil, err
	}
	o, err := watchOpts(op, path, true, opts)
	if err != nil {
		return nil, err
	}
	out := make(chan U, 1)
	go func() {
		defer close(out)
		var last *U
		for {
			// Taken before the call: a call that fails through a dropped
			// connection fails before the drop is announced.
			_, changed := c.states.current()
			u, w, err := read(ctx)
			if errors.Is(err, ErrNoNode) {
				var exists bool
				exists, _, w, err = c.ExistsW(ctx, path)
				if err == nil && exists {
					w.Stop() // created meanwhile: read it
					continue
				}
				var missing U
				u = missing
			}
			if err != nil {
				if c.continueAfter(ctx, err, o, changed) {
					continue
				}
				if ctx.Err() == nil {
					sendLatest(out, ended(err))
				}
				return
			}
			if last == nil || !same(*last, u) {
				sendLatest(out, u)
				last = &u
			}
			if !c.awaitWatch(ctx, w, o, changed) {
				if ctx.Err() == nil {
					sendLatest(out, ended(c.endReason()))
				}
				return
			}
		}
	}()
	return out, nil
}

// awaitWatch waits for w to fire. It reports false when the watch should
// end (ctx done, or the watch ended with an error that cannot be resumed).
// changed is the state-change signal taken before w was set.
func (c *Client) awaitWatch(ctx context.Context, w *Watch, o watchOptions, changed <-chan struct{}) bool {
	select {
	case ev, ok := <-w.Events():
		if !ok || ev.Err == nil {
			return true // fired (or ended by a resync): re-read
		}
		return c.continueAfter(ctx, ev.Err, o, changed)
	case <-ctx.Done():
		w.Stop()
		return false
	}
}

// continueAfter decides whether a continuous watch can go on after err,
// waiting for the session to come back when it can. changed is the
// state-change signal taken before the call or watch that failed.
func (c *Client) continueAfter(ctx context.Context, err error, o watchOptions, changed <-chan struct{}) bool {
	if ctx.Err() != nil {
		return false
	}
	switch {
	case errors.Is(err, ErrWatchOverflow), errors.Is(err, ErrWatchNotKept):
		// Nothing is wrong with the session: read again now. (A watch
		// not kept because its connection dropped is read again on the
		// next one: the read fails with connection loss first.)
		return true
	case errors.Is(err, ErrConnectionLoss):
	case errors.Is(err, ErrSessionExpired):
		if !o.resume || !c.cfg.conn.NewSessionOnExpiry {
			return false
		}
	default:
		return false
	}
	if s := c.State(); s == StateConnected || s == StateConnectedReadOnly {
		// The call failed on a connection that is still announced as up
		// (conn fails a dead connection's calls before it announces the
		// drop): its end is announced next. Wait for that, so that the
		// read is not retried on the dying connection, then for the next
		// one.
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
	return c.waitConnected(ctx) == nil
}

// endReason is the error a continuous watch reports when its watch ended
// and it cannot go on.
func (c *Client) endReason() error {
	switch c.State() {
	case StateClosed:
		return ErrClosed
	case StateAuthFailed:
		return ErrAuthFailed
	}
	return ErrSessionExpired
}

// sendLatest puts u in a one-slot channel that only this goroutine sends
// on, replacing an update the reader has not taken yet.
func sendLatest[T any](out chan T, u T) {
	for {
		select {
		case out <- u:
			return
		default:
		}
		select {
		case <-out:
		default:
		}
	}
}

func sameData(a, b DataUpdate) bool {
	if (a.Stat == nil) != (b.Stat == nil) {
		return false
	}
	return a.Stat == nil || (a.Stat.Mzxid == b.Stat.Mzxid && a.Stat.Czxid == b.Stat.Czxid)
}

func sameChildren(a, b ChildrenUpdate) bool {
	if (a.Stat == nil) != (b.Stat == nil) {
		return false
	}
	return a.Stat == nil || (a.Stat.Pzxid == b.Stat.Pzxid && a.Stat.Czxid == b.Stat.Czxid && slices.Equal(a.Children, b.Children))
}
