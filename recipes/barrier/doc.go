// Package barrier holds processes back until a condition: Barrier until a
// node is removed, DoubleBarrier until n participants have entered (and
// again until all have left), after the classic ZooKeeper recipes.
//
// What they guarantee:
//
//   - Connection loss: every call is retried after a lost reply where that
//     is safe, and each write is idempotent by construction: a retried
//     create that meets ErrNodeExists, or a retried delete that meets
//     ErrNoNode, is taken as the earlier attempt having worked. Watches are
//     kept across reconnects by the client.
//   - Session expiry: Barrier's node is persistent and unaffected. A
//     DoubleBarrier participant's node is ephemeral: it goes with the
//     session, so the others stop counting it. On a client built with
//     zk.WithNewSessionOnExpiry a waiting Enter puts it back in the new
//     session and goes on; a call whose request was lost with the old
//     session returns zk.ErrSessionExpired, and may be called again. Without
//     that option, calls on an expired client fail with zk.ErrSessionExpired.
//   - Context: a blocking call returns ctx's error when ctx ends; Enter and
//     Leave then remove the participant's node, so the others are not held
//     by a participant that gave up.
package barrier
