// Package queue is a distributed FIFO queue: items are persistent
// sequential children of one node, taken lowest first by any number of
// consumers, each item by exactly one.
//
// Put names each item with a random id (protected, as zk.ProtectedPrefix
// describes), so a Put whose reply was lost finds its item again instead of
// adding it twice. Take removes an item and, in the same transaction,
// creates an ephemeral receipt naming the consumer; a Take whose reply was
// lost (or whose context ended after sending) reads the receipt to learn
// whether it got the item, and a Put whose reply was lost finds its taken
// item by the receipt. Items are ordered by their sequence number, so
// the items of one producer are taken in the order it put them.
//
// What it guarantees:
//
//   - Concurrency: each item is returned by exactly one Take or Poll.
//   - Connection loss: Take and Poll either return an item (removed for
//     good) or leave it in the queue. Put adds its item exactly once, with
//     one gap: receipts are kept for a minute after their Take (then
//     deleted by the consumer's next Take, or with its session), and a Put
//     that lost its reply and only looks after its item was taken and the
//     receipt deleted adds the item again (at least once). Take's gap:
//     if the session expires between a lost reply and the read-back, its
//     ephemeral receipt is gone and the item, removed, is reported to
//     nobody (at most once).
//   - Session expiry: items are persistent and survive it. Calls on an
//     expired client fail with zk.ErrSessionExpired; on a client built with
//     zk.WithNewSessionOnExpiry a waiting Take goes on in the new session.
package queue
