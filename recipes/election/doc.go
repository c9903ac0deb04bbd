// Package election provides leader election on ZooKeeper: a Latch is one
// candidate; among all the candidates on a path, at most one is leader
// while their sessions live.
//
// A Latch is built on lock.Mutex: a candidate queues as an ephemeral
// sequential node holding its id, the candidate at the head of the queue
// leads, and each of the others watches only the candidate just ahead of
// it. Leadership therefore lasts as long as the leader's node: until Close
// or StepDown, the leader's session expiring or its client closing, or
// someone deleting the node. Connection loss alone does not end it.
//
// A leader is always told when it stops leading (IsLeader turns false and
// Changes delivers false). Between the server expiring a leader's session
// and the leader's client hearing of it, a new leader may already have
// been elected: guard writes with Latch.Guard (or compare
// Latch.FencingToken) so that a deposed leader's writes fail.
//
// Clients built with zk.WithNewSessionOnExpiry let a candidate whose
// session expired stand again by itself, in its new session, at the back
// of the queue. Without that option an expired client cannot stand again:
// the campaign ends and Err says why.
package election
