package zk

import (
	"github.com/zkwire/zk/watchmgr"
)

// Watch is one watch set by GetW, ExistsW, ChildrenW or AddWatch.
//
// A one-shot watch (GetW, ExistsW, ChildrenW) delivers one event, then
// ends. A persistent watch (AddWatch) delivers until Stop, Close or session
// expiry. A watch that ends for another reason than firing or Stop (session
// expired, client closed, consumer overflow, not restored after a
// reconnect) delivers a final event whose Err says why.
//
// Events arrive on the channel of Events, or, for a watch set with
// OnEvent, through its callback. Many watches on one path share one server
// watch; a watch at rest costs about a hundred bytes.
type Watch struct{ w watchmgr.Watcher }

// Events returns the channel the watch's events arrive on. It closes after
// the last event: after the one event of a one-shot watch, after a final
// event with Err set, or at Stop. Every call returns the same channel; it
// is made on the first call, or when the first event arrives if that comes
// first, so a watch whose channel nobody reads costs no channel until it
// fires.
//
// A watch set with OnEvent has no channel: Events returns nil (receiving
// from it would block for ever).
func (w *Watch) Events() <-chan Event { return w.w.Events() }

// Stop ends the watch: its channel closes without a further event, and no
// callback of it starts after Stop returns (one already running may still
// be running; Stop may be called from it). When it was the last watch of
// its server registration, the server watch is removed too. Stop is
// idempotent and safe from any goroutine.
func (w *Watch) Stop() { w.w.Stop() }

// Path returns the watched path (relative to the chroot).
func (w *Watch) Path() string { return w.w.Path() }

// Kind returns what the watch watches.
func (w *Watch) Kind() WatchKind { return w.w.Kind() }

// WatchKind says what a watch watches. It selects watches in AddWatch,
// RemoveWatches and CheckWatches, and is reported by Watch.Kind and
// Client.Watches.
type WatchKind = watchmgr.Kind

// Watch kinds.
const (
	// KindData: GetW, the node's data changes and deletion. In
	// RemoveWatches and CheckWatches it selects ExistsW watches too (the
	// server keeps both in its data table, ZooKeeper's WatcherType Data).
	KindData = watchmgr.KindData
	// KindExist: ExistsW, the node's creation, data changes and deletion.
	// In RemoveWatches it selects ExistsW watches only; CheckWatches takes
	// it as KindData (the server cannot tell them apart).
	KindExist = watchmgr.KindExist
	// KindChild: ChildrenW, children added or removed, and deletion.
	KindChild = watchmgr.KindChild
	// KindPersistent: AddWatch, like data and child watches together,
	// staying armed (servers 3.6+).
	KindPersistent = watchmgr.KindPersistent
	// KindPersistentRecursive: AddWatch, creation, data changes and
	// deletion of the node and every descendant, staying armed (servers
	// 3.6+). No children events.
	KindPersistentRecursive = watchmgr.KindPersistentRecursive
	// KindAny selects every kind in RemoveWatches and CheckWatches; no
	// watch has it.
	KindAny = watchmgr.KindAny
)

// WatchOption configures a watch. OnEvent applies to GetW, ExistsW,
// ChildrenW and AddWatch; ResumeAfterExpiry to WatchData and
// WatchChildren. An option given where it does not apply is refused with
// ErrInvalidArgument before anything is sent.
type WatchOption func(*watchOptions)

type watchOptions struct {
	resume   bool        // ResumeAfterExpiry
	onEvent  func(Event) // OnEvent
	callback bool        // OnEvent was given (fn may be nil: refused)
}

// OnEvent delivers the watch's events by calling fn instead of through a
// channel: no channel and no goroutine per watch, for SDKs and programs
// that hold many watches. Callbacks of one client run one at a time, in
// delivery order, on a goroutine of the client that exists only while
// events are waiting. fn may call the client (including Stop and new
// watches), but while it runs no other callback of the client does, so it
// should be quick; a slow one delays the callbacks after it, never the
// connection. A persistent watch whose callbacks fall behind by more than
// the watch buffer (WithWatchBuffer) ends with ErrWatchOverflow, as a
// channel would. Watch.Events returns nil for such a watch.
func OnEvent(fn func(Event)) WatchOption {
	return func(o *watchOptions) { o.onEvent, o.callback = fn, true }
}

// ResumeAfterExpiry keeps a continuous watch going across session expiry:
// on a client built with WithNewSessionOnExpiry it waits for the new
// session, re-reads and goes on. Without it, expiry ends the watch with a
// final update whose Err is ErrSessionExpired.
func ResumeAfterExpiry() WatchOption { return func(o *watchOptions) { o.resume = true } }

// watchOpts applies opts for op, refusing those that do not apply to a
// single watch (continuous: WatchData and WatchChildren).
func watchOpts(op, path string, continuous bool, opts []WatchOption) (watchOptions, error) {
	var o watchOptions
	for _, f := range opts {
		if f == nil {
			return o, opErr(op, path, invalid("nil WatchOption"))
		}
		f(&o)
	}
	if continuous && o.callback {
		return o, opErr(op, path, invalid("OnEvent does not apply to %s", op))
	}
	if o.callback && o.onEvent == nil {
		return o, opErr(op, path, invalid("OnEvent with a nil function"))
	}
	if !continuous && o.resume {
		return o, opErr(op, path, invalid("ResumeAfterExpiry does not apply to %s", op))
	}
	return o, nil
}
