// Package watchmgr is the client-side watch manager: it knows who watches
// what, and which server registrations that takes. It has no sockets, and
// its only goroutine runs callback watchers' callbacks while some are
// queued; the client feeds it replies, notifications and session state
// changes, and it asks the client to enqueue requests.
//
// Most users never import it: zk.Client wires it to the connection,
// zk.Watch wraps a Watcher (so that only Events, Stop, Path and Kind are
// reachable), and zk.Event and zk.WatchInfo are its Event and Registration
// under other names. It is exported for SDKs that build their own client on
// package conn.
//
// # How a client drives it
//
//   - Begin before sending a watching read (exists, getData, getChildren)
//     or addWatch: it decides whether the request must ask the server for a
//     watch and hands that decision to a send callback, which only enqueues.
//   - Watcher.Commit when the reply is processed, on the receive loop and
//     before the next frame is read, since the next frame may be the
//     notification.
//   - Notification for every watch event (xid -1), StateChange for every
//     session transition, EndAll on expiry, authentication failure or
//     Close, and Restore after a reconnect to learn what to re-register
//     (it satisfies conn's watch provider through a small adapter), then
//     RestoreDone when the last SetWatches reply is in, NotRestored for a
//     packet the server refused or that could not be sent (conn's
//     RestoreObserver).
//
// # What it guarantees
//
//   - One server registration per path and watch kind, however many local
//     watchers share it (the server keeps one per session anyway; the
//     manager mirrors that so it knows when the last one leaves).
//   - A watcher is committed only when the reply says the server
//     registered it (exists: also on NoNode), so nobody waits on a watch
//     that is not there.
//   - Delivery follows ZooKeeper's client table (see Manager.Notification),
//     with the quirks of 3.6–3.8 servers hidden.
//   - Removal: when the last local watcher of a registration stops, the
//     server watch is removed too (Config.Remove); nothing is removed that
//     someone still holds.
//   - Delivery never blocks the caller (the receive loop): each watcher has
//     a bounded channel (made only when asked for or when the first event
//     comes) or a bounded share of the callback queue, and one that falls
//     behind gets a final event with ErrOverflow instead of silent loss.
//   - Callbacks (Begin with a function) run one at a time, in delivery
//     order, on a goroutine that exists only while the queue holds
//     something; none of a watcher starts after its Stop returns.
//   - A watcher at rest is small: about 100 bytes with its path's entry
//     (BenchmarkWatchMemory), and a state change visits only paths with
//     persistent watchers.
//   - State-only events never end a watch. After a reconnect, persistent
//     and recursive watchers get an event with Resync set, because the
//     server replays nothing for them. Session expiry and Close end every
//     watcher with a final event whose Err says why.
//
// # Concurrency
//
// A Manager is safe for concurrent use; one mutex guards it. The send
// function of Begin and Config.Remove run with that mutex held,
// so that registrations and removals reach the connection in the order
// they were decided: they must only enqueue, never wait for a reply, and
// never call back into the Manager. Watcher callbacks run without it and
// may call anything. Watcher.Stop is safe from any goroutine and
// idempotent.
package watchmgr
