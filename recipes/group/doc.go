// Package group keeps a group membership: processes Join under a common
// node with an ephemeral child each, and every process can follow the
// current member list from a local cache kept up to date by a watch.
//
// What it guarantees:
//
//   - A joined member is kept like a node.Persistent ephemeral node: put
//     back if someone deletes it, and after session expiry on a client
//     built with zk.WithNewSessionOnExpiry (needed for membership to
//     survive expiry). Without that option an expired member stays out.
//   - Connection loss: the session and its members stay; the cache keeps
//     its last list and catches up after the reconnect (the client
//     re-registers its watch). A Join whose create reply was lost adopts
//     its own node instead of failing.
//   - The list: Members returns the last list read, sorted by id; each
//     change of membership is read again in full, so the cache converges
//     on the server's list. A member's data is as read when the membership
//     last changed; data changes alone are not followed.
//   - Session expiry of the watching client: on a client built with
//     zk.WithNewSessionOnExpiry the cache resumes in the new session;
//     otherwise it stops, and Changes is closed.
package group
