// Package lock provides distributed locks on ZooKeeper: Mutex, RWMutex and
// Semaphore, built only on the public zk API.
//
// # How they work
//
// Every contender creates an ephemeral sequential child under the lock
// node, named "_c_<uuid>-<kind>-<sequence>" (made by
// zk.Client.CreateProtected, so that a create whose reply was lost to a
// dropped connection finds its node again rather than making a second
// one). The lock node itself is a container (zk.ContainerLeaf), which the
// server deletes once the last contender has left. The children in
// sequence order form a queue.
// A waiter watches only the one node that must go before it may proceed
// (its predecessor), never the whole child list, so releasing a lock wakes
// one waiter, not all of them.
//
// # What they guarantee
//
//   - While every contender's session lives, at most one Mutex holds a
//     lock node (RWMutex: one writer, or any number of readers; Semaphore:
//     at most n leases).
//   - Connection loss alone does not lose a lock: the session, and with it
//     the ephemeral node, survives until the session expires.
//   - Losing a held lock is never silent: Mutex.Lost (Lease.Lost) is closed
//     when the session expires, the client closes, or someone deletes the
//     node, and also when the client has been cut off from every server for
//     the whole session timeout since it last heard from one (zk.StateLost):
//     the server may have expired the session by then, so the holder is
//     told no later than the server could give the lock to another, even
//     while the partition lasts. If the session turns out alive on
//     reconnection, the node is still there: Unlock removes it, and Lock
//     queues up afresh. Between the server expiring a session and its
//     client hearing of it, another contender may already hold the lock
//     (clocks and ticks differ); write through
//     Mutex.Multi (or add Mutex.Guard to your own zk.Client.Multi) so that a
//     write from a holder that lost its lock fails atomically with
//     zk.ErrNoNode, or hand Mutex.FencingToken to the system you protect.
//   - Every blocking call honours its context and removes its own node when
//     it gives up, including a node whose create was sent but not answered.
//
// # Sessions
//
// A lock lives as long as the session that took it. A client built without
// zk.WithNewSessionOnExpiry stays expired after its session expires: every
// call then fails with zk.ErrSessionExpired. Built with it, the client
// opens a new session by itself; a Mutex that was held reports the loss
// (Lost closes), and Lock can be called again to queue up in the new
// session. Locks are not re-entrant: a Mutex value is one contender, and
// Lock on a Mutex that holds or is acquiring fails with ErrBusy.
package lock
