// Package recipes is the home of the higher-level coordination recipes
// built only on the public zk API: locks and semaphores (recipes/lock),
// leader election (recipes/election), caches, service discovery,
// persistent nodes, barriers, queues, counters and group membership. Each
// recipe handles connection loss (the outcome of a write is unknown) and
// session expiry explicitly, and documents what it guarantees under both;
// recipes that must outlive a session need a client built with
// zk.WithNewSessionOnExpiry.
package recipes
