// Package counter is a shared int64 counter kept in one znode and changed
// by versioned compare-and-set, so concurrent adds from any number of
// clients are never lost.
//
// The node holds the value in decimal ASCII on its first line. Add appends
// a second line with a random operation id: that is how an Add whose reply
// was lost tells whether its own write landed.
//
// What it guarantees:
//
//   - Concurrency: every Add that returns a value was applied exactly once,
//     and the value it returns is the counter just after it.
//   - Connection loss: reads are retried. A write whose reply was lost is
//     resolved by reading the node back: if it holds the version right
//     after the one Add read and Add's own id, the add was applied; if the
//     version did not move, or moved with another writer's id, it was not,
//     and Add tries again. Only when others have written meanwhile (the
//     version moved further) can the outcome not be known: Add then returns
//     an error matching both ErrOutcomeUnknown and zk.ErrConnectionLoss, and
//     the add happened at most once. Set is idempotent and simply retried.
//   - Session expiry: the counter is a persistent node and survives it.
//     Calls on an expired client fail with zk.ErrSessionExpired; a client
//     built with zk.WithNewSessionOnExpiry goes on in a new session.
package counter
