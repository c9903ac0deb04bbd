// Package node keeps one znode in place: a Persistent is created on Start
// and put back whenever it goes missing, until Close.
//
// The node may be persistent or ephemeral, sequential or not, and
// optionally protected (made with zk.Client.CreateProtected: its name
// carries a random id, the "_c_<uuid>-" prefix of zk.ProtectedPrefix, so
// that a create whose reply was lost can be found again instead of being
// made twice; each creation gets a new id, hence a new path).
//
// What it guarantees:
//
//   - Connection loss: the client keeps its session and the node stays.
//     A create whose reply was lost is resolved without a second node for
//     non-sequential nodes (the retry meets ErrNodeExists of its own making
//     and adopts the node, checking that an ephemeral one belongs to this
//     session) and for protected sequential nodes (found again by their
//     id). An unprotected sequential node whose create reply was lost may be
//     made twice: use WithProtection for sequential nodes.
//   - Deletion by someone else: an exists watch sees it and the node is
//     created again with the data last given.
//   - Session expiry: ephemeral nodes go with the session. On a client
//     built with zk.WithNewSessionOnExpiry the node is created again in the
//     new session (a sequential or protected node gets a new path,
//     reported by Path and Created). Without that option the client stays
//     expired, and keeping ends: SetData then fails with
//     zk.ErrSessionExpired.
//   - The client-side session deadline: once the client has heard from no
//     server for the whole session timeout (zk.StateLost), the server may
//     have expired the session and an ephemeral node with it; Lost closes
//     at once, without waiting for a reconnection to confirm it. When the
//     client reconnects the node is checked (still there and ours if the
//     session turned out alive; made again otherwise) before it is
//     announced on Created again.
//
// The recipe never takes over an ephemeral node of another session that
// sits at its (non-sequential) path: it waits for that node to go, then
// creates its own. A persistent node that already exists at the path is
// adopted and its data replaced.
package node
