package zk

import (
	"context"
	"errors"

	"github.com/zkwire/zk/conn"
	"github.com/zkwire/zk/proto"
	"github.com/zkwire/zk/watchmgr"
)

// GetW is Get plus a one-shot watch that fires on the node's next data
// change or deletion. Many watches on one path share one server watch.
func (c *Client) GetW(ctx context.Context, path string) ([]byte, *Stat, *Watch, error) {
	resp := &proto.GetDataResponse{}
	w, err := c.watchedRead(ctx, "getW", path, watchmgr.KindData, proto.OpGetData, resp,
		func(full string, watch bool) proto.Record { return &proto.GetDataRequest{Path: full, Watch: watch} },
		func(err error) (bool, bool) { return err == nil, true })
	if err != nil {
		return nil, nil, nil, err
	}
	return resp.Data, &resp.Stat, w, nil
}

// ExistsW is Exists plus a one-shot watch that fires when the node is
// created, changed or deleted. It is set whether or not the node exists.
func (c *Client) ExistsW(ctx context.Context, path string) (bool, *Stat, *Watch, error) {
	resp := &proto.ExistsResponse{}
	w, err := c.watchedRead(ctx, "existsW", path, watchmgr.KindExist, proto.OpExists, resp,
		func(full string, watch bool) proto.Record { return &proto.ExistsRequest{Path: full, Watch: watch} },
		func(err error) (bool, bool) { return err == nil || errors.Is(err, ErrNoNode), err == nil })
	if errors.Is(err, ErrNoNode) && w != nil {
		return false, nil, w, nil
	}
	if err != nil {
		return false, nil, nil, err
	}
	return true, &resp.Stat, w, nil
}

// ChildrenW is Children plus a one-shot watch that fires when a child is
// added or removed, or the node is deleted.
func (c *Client) ChildrenW(ctx context.Context, path string) ([]string, *Stat, *Watch, error) {
	resp := &proto.GetChildren2Response{}
	w, err := c.watchedRead(ctx, "childrenW", path, watchmgr.KindChild, proto.OpGetChildren2, resp,
		func(full string, watch bool) proto.Record {
			return &proto.GetChildren2Request{Path: full, Watch: watch}
		},
		func(err error) (bool, bool) { return err == nil, true })
	if err != nil {
		return nil, nil, nil, err
	}
	return resp.Children, &resp.Stat, w, nil
}

// watchedRead runs a read that may set a watch. The watch manager decides
// whether the server must register it (see watchmgr.Begin) and commits it
// on the receive loop when the reply says it was set. On error the watch
// is returned only for exists+NoNode (a set watch); otherwise it is gone.
func (c *Client) watchedRead(ctx context.Context, op, path string, kind watchmgr.Kind, code proto.Op, resp proto.Record,
	makeReq func(full string, watch bool) proto.Record, registered func(error) (set, existed bool)) (*Watch, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, opErr(op, path, err)
	}
	if err := validPath(op, path); err != nil {
		return nil, err
	}
	r := request{call: &conn.Call{Op: code, Resp: resp}}
	call := r.call
	w, err := c.wm.Begin(path, kind, func(w *watchmgr.Watcher, server bool) error {
		call.Req = makeReq(c.chroot.Prefix(path), server)
		call.OnReply = func(cl *conn.Call) {
			set, existed := registered(cl.Err)
			if errors.Is(cl.Err, conn.ErrReplyTooLarge) {
				// Only the client refused the reply (only a success is that
				// large): the server registered the watch before sending
				// it. Committed as set, so that Stop below removes it from
				// the server instead of leaving one nobody tracks.
				set, existed = true, true
			}
			w.Commit(set, existed)
		}
		// Only queued here, under the manager's lock (see
		// watchmgr.Begin); waited for below.
		return c.submit(&r)
	})
	if err == nil {
		err = c.wait(ctx, &r)
	} else {
		w = nil
	}
	if w == nil {
		return nil, opErr(op, path, err)
	}
	if err != nil {
		if set, _ := registered(err); set && call.Err != nil && ctx.Err() == nil {
			return w, opErr(op, path, err) // exists on a missing node: watch set
		}
		// Not set, its reply refused as too large, or the caller gave up:
		// a watch the server holds (or sets later) is removed there.
		w.Stop()
		return nil, opErr(op, path, err)
	}
	return w, nil
}

// AddWatch sets a persistent watch on path (servers 3.6+): WatchPersistent
// sees data changes, creation and deletion of the node and changes to its
// children; WatchPersistentRecursive sees creation, data changes and
// deletion of the node and every descendant (no children events). It stays
// set across reconnects until Stop, Close or session expiry; after each
// reconnect it delivers an event with Resync set, because the server does
// not replay what happened while the client was disconnected.
func (c *Client) AddWatch(ctx context.Context, path string, mode AddWatchMode) (*Watch, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, opErr("addWatch", path, err)
	}
	if err := validPath("addWatch", path); err != nil {
		return nil, err
	}
	var kind watchmgr.Kind
	switch mode {
	case WatchPersistent:
		kind = watchmgr.KindPersistent
	case WatchPersistentRecursive:
		kind = watchmgr.KindPersistentRecursive
	default:
		return nil, opErr("addWatch", path, invalid("unknown watch mode %d", mode))
	}
	var r request
	w, err := c.wm.Begin(path, kind, func(w *watchmgr.Watcher, server bool) error {
		if !server {
			return nil // already covered by this client's registration
		}
		r.call = &conn.Call{
			Op:      proto.OpAddWatch,
			Req:     &proto.AddWatchRequest{Path: c.chroot.Prefix(path), Mode: mode},
			Resp:    &proto.ErrorResponse{},
			OnReply: func(cl *conn.Call) { w.Commit(cl.Err == nil, false) },
		}
		return c.submit(&r)
	})
	if err != nil {
		return nil, opErr("addWatch", path, err)
	}
	if r.call == nil {
		w.Commit(true, false)
		return w, nil
	}
	if err := c.wait(ctx, &r); err != nil {
		w.Stop()
		return nil, opErr("addWatch", path, err)
	}
	return w, nil
}

// Watches lists this client's watch registrations: one row per path and
// kind, with how many local watches share it and whether the server holds
// it. A path watched by many watches costs one server watch.
func (c *Client) Watches() []WatchInfo { return c.wm.Watches() }

// RemoveWatches ends every local watch of type t on path (Data: GetW and
// ExistsW watches; Children: ChildrenW; Persistent and PersistentRecursive:
// AddWatch of that mode; Any: all) with a final event (DataWatchRemoved,
// ChildWatchRemoved or PersistentWatchRemoved, Err ErrWatchRemoved), then
// removes from the server the registrations no remaining watch on the path
// needs, as Watch.Stop does, and waits for that removal. It never removes a
// registration the client still needs: one-shot watches on a path with a
// persistent or recursive watch are served from it, so removing them sends
// nothing. It fails with ErrNoWatcher, sending nothing, when no local watch
// matches. The local removal always happens; local only says whether a
// failed server removal is reported (false) or not (true). Prefer
// Watch.Stop, which removes only that watch; this call is for SDKs that
// manage watches by path.
func (c *Client) RemoveWatches(ctx context.Context, path string, t WatcherType, local bool) error {
	if err := checkCtx(ctx); err != nil {
		return opErr("removeWatches", path, err)
	}
	if err := validPath("removeWatches", path); err != nil {
		return err
	}
	switch t {
	case WatcherChildren, WatcherData, WatcherAny, WatcherPersistent, WatcherPersistentRecursive:
	default:
		return opErr("removeWatches", path, invalid("unknown watcher type %d", t))
	}
	var calls []*conn.Call
	n := c.wm.RemoveLocal(path, t, func(p string, wt proto.WatcherType) {
		call := &conn.Call{Op: proto.OpRemoveWatches, Req: &proto.RemoveWatchesRequest{Path: c.chroot.Prefix(p), Type: wt}}
		// Async: a removal the caller gives up on below must still go
		// out, or the server would keep a watch nobody tracks.
		if c.submitAsync(call) == nil {
			calls = append(calls, call)
		}
	})
	if n == 0 {
		return opErr("removeWatches", path, ErrNoWatcher)
	}
	for _, call := range calls {
		select {
		case <-call.Done():
		case <-ctx.Done():
			return opErr("removeWatches", path, ctx.Err())
		}
		// NoWatcher: the watch fired meanwhile. Connection loss: the
		// server dropped the connection's watches anyway.
		if err := call.Err; err != nil && !errors.Is(err, ErrNoWatcher) && !errors.Is(err, ErrConnectionLoss) && !local {
			return opErr("removeWatches", path, err)
		}
	}
	return nil
}

// CheckWatches asks the server whether this session has a watch of type t
// on path (checkWatches); it fails with ErrNoWatcher if not. The persistent
// types are refused with ErrInvalidArgument before anything is sent: only
// 3.9+ servers know them (use WatcherAny).
func (c *Client) CheckWatches(ctx context.Context, path string, t WatcherType) error {
	if err := validPath("checkWatches", path); err != nil {
		return err
	}
	switch t {
	case WatcherChildren, WatcherData, WatcherAny:
	default:
		return opErr("checkWatches", path, invalid("watcher type %d cannot be checked (Children, Data or Any)", t))
	}
	_, err := c.do(ctx, "checkWatches", path, proto.OpCheckWatches, &proto.CheckWatchesRequest{Path: c.chroot.Prefix(path), Type: t}, nil)
	return err
}

// ErrWatchRemoved ends watches removed by RemoveWatches.
var ErrWatchRemoved = watchmgr.ErrRemoved
