// Package cache keeps in-memory mirrors of ZooKeeper nodes, fed by watches,
// so that reads are answered from memory without a round trip.
//
// TreeCache mirrors a whole subtree (data, Stat and children of every node)
// on one persistent recursive watch (servers 3.6+), or on one-shot watches
// per node (GetW and ChildrenW) when the server lacks persistent watches or
// when WithOneShotWatches asks for it. NodeCache mirrors a single node.
//
// # Guarantees
//
// A cache is eventually consistent: after the last change on the server and
// once the client is connected, it converges to the server's state. In
// between it may lag, but it never moves a node back to an older version
// than one it has shown (reads are applied in Stat.Czxid/Mzxid order).
//
//   - Connection loss: the watch stays registered and the client
//     re-registers it on reconnect; because the server replays nothing for
//     persistent watches, the cache re-reads the whole subtree after every
//     reconnect and diffs it against memory, emitting the events that the
//     diff implies (event Resynced marks the end of such a re-read).
//   - Session expiry: the server drops the session's watches. The cache
//     survives expiry only on a client built with zk.WithNewSessionOnExpiry:
//     it waits for the new session, registers its watch again and re-reads.
//     Without that option the cache stops, keeps its last contents, closes
//     Done and reports zk.ErrSessionExpired from Err.
//   - Client closed: the cache stops with zk.ErrClosed.
//
// Listeners (WithListener) are called on the cache's own goroutine, in the
// order the cache changed, after the change is visible to Get.
package cache
