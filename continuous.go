package zk

import (
	"context"
	"errors"
	"slices"
	"time"
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

// WatchOption configures WatchData and WatchChildren.
type WatchOption func(*watchOptions)

type watchOptions struct{ resume bool }

// ResumeAfterExpiry keeps a continuous watch going across session expiry:
// on a client built with WithNewSessionOnExpiry it waits for the new
// session, re-reads and goes on. Without it, expiry ends the watch with a
// final update whose Err is ErrSessionExpired.
func ResumeAfterExpiry() WatchOption { return func(o *watchOptions) { o.resume = true } }

// WatchData follows a node's data: it sends the current state at once,
// then a new state after every change, re-reading the node each time it
// re-arms its watch so that the latest state is never missed, however many
// changes land between a notification and the re-arm. Connection loss and
// state-only events do not end it. A slow reader gets the latest state, not
// a backlog (each channel holds one update, replaced by newer ones). The
// channel closes when ctx ends, after a final update with Err if it ends
// for another reason (client closed, expiry without ResumeAfterExpiry,
// permission denied).
func WatchData(ctx context.Context, c *Client, path string, opts ...WatchOption) (<-chan DataUpdate, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, opErr("watchData", path, err)
	}
	if err := validPath("watchData", path); err != nil {
		return nil, err
	}
	o := applyWatchOptions(opts)
	out := make(chan DataUpdate, 1)
	go func() {
		defer close(out)
		var last *DataUpdate
		for {
			data, stat, w, err := c.GetW(ctx, path)
			if errors.Is(err, ErrNoNode) {
				var exists bool
				exists, _, w, err = c.ExistsW(ctx, path)
				if err == nil && exists {
					w.Stop() // created meanwhile: read it
					continue
				}
				data, stat = nil, nil
			}
			if err != nil {
				if retry := c.continueAfter(ctx, err, o); retry {
					continue
				}
				if ctx.Err() == nil {
					sendLatest(out, DataUpdate{Err: err})
				}
				return
			}
			u := DataUpdate{Data: data, Stat: stat}
			if last == nil || !sameData(*last, u) {
				sendLatest(out, u)
				last = &u
			}
			if !c.awaitWatch(ctx, w, o) {
				if ctx.Err() == nil {
					sendLatest(out, DataUpdate{Err: c.endReason()})
				}
				return
			}
		}
	}()
	return out, nil
}

// WatchChildren follows a node's children as WatchData follows its data.
func WatchChildren(ctx context.Context, c *Client, path string, opts ...WatchOption) (<-chan ChildrenUpdate, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, opErr("watchChildren", path, err)
	}
	if err := validPath("watchChildren", path); err != nil {
		return nil, err
	}
	o := applyWatchOptions(opts)
	out := make(chan ChildrenUpdate, 1)
	go func() {
		defer close(out)
		var last *ChildrenUpdate
		for {
			children, stat, w, err := c.ChildrenW(ctx, path)
			if errors.Is(err, ErrNoNode) {
				var exists bool
				exists, _, w, err = c.ExistsW(ctx, path)
				if err == nil && exists {
					w.Stop()
					continue
				}
				children, stat = nil, nil
			}
			if err != nil {
				if retry := c.continueAfter(ctx, err, o); retry {
					continue
				}
				if ctx.Err() == nil {
					sendLatest(out, ChildrenUpdate{Err: err})
				}
				return
			}
			slices.Sort(children)
			u := ChildrenUpdate{Children: children, Stat: stat}
			if last == nil || !sameChildren(*last, u) {
				sendLatest(out, u)
				last = &u
			}
			if !c.awaitWatch(ctx, w, o) {
				if ctx.Err() == nil {
					sendLatest(out, ChildrenUpdate{Err: c.endReason()})
				}
				return
			}
		}
	}()
	return out, nil
}

func applyWatchOptions(opts []WatchOption) watchOptions {
	var o watchOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}

// awaitWatch waits for w to fire. It reports false when the watch should
// end (ctx done, or the watch ended with an error that cannot be resumed).
func (c *Client) awaitWatch(ctx context.Context, w *Watch, o watchOptions) bool {
	select {
	case ev, ok := <-w.C:
		if !ok || ev.Err == nil {
			return true // fired (or ended by a resync): re-read
		}
		return c.continueAfter(ctx, ev.Err, o)
	case <-ctx.Done():
		w.Stop()
		return false
	}
}

// continueAfter decides whether a continuous watch can go on after err,
// waiting for the session to come back when it can.
func (c *Client) continueAfter(ctx context.Context, err error, o watchOptions) bool {
	if ctx.Err() != nil {
		return false
	}
	switch {
	case errors.Is(err, ErrConnectionLoss), errors.Is(err, ErrWatchOverflow), errors.Is(err, ErrWatchNotKept):
	case errors.Is(err, ErrSessionExpired):
		if !o.resume || !c.cfg.conn.NewSessionOnExpiry {
			return false
		}
	default:
		return false
	}
	if c.waitConnected(ctx) != nil {
		return false
	}
	// A connected state may still be the old session's last moment: give
	// the loop a breath so a failing call does not spin.
	select {
	case <-ctx.Done():
		return false
	case <-time.After(10 * time.Millisecond):
	}
	return true
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
