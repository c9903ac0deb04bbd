// Package zk is a ZooKeeper client written from the wire protocol up, in
// pure Go with no dependency beyond the standard library.
//
// Connect opens a session and returns once it exists; from then on the
// client keeps it across connection loss by itself, re-sending credentials
// and re-registering watches on every new connection.
//
//	c, err := zk.Connect(ctx, []string{"127.0.0.1:2181"}, zk.WithSessionTimeout(15*time.Second))
//	if err != nil { ... }
//	defer c.Close()
//	path, err := c.Create(ctx, "/app", []byte("v1"), zk.Persistent, zk.WorldACL(zk.PermAll))
//	data, stat, err := c.Get(ctx, "/app")
//
// Every call takes a context. Errors carry the operation and path and match
// the sentinels with errors.Is (zk.ErrNoNode, zk.ErrConnectionLoss, ...).
// Bad input (an invalid path, an empty ACL, data over the packet limit, a
// nil context) is rejected before anything is sent.
//
// # Watches
//
// GetW, ExistsW and ChildrenW return a one-shot *Watch whose channel C
// receives one event and closes. AddWatch sets a persistent (or
// persistent-recursive) watch that keeps delivering until Stop. Any number
// of watches on one path share one server watch; Stop removes the server
// watch when the last one goes, so nothing leaks; Watches lists what is
// registered. State-only events never end a watch. After a reconnect,
// persistent watches get an event with Resync set, because the server does
// not replay what they missed. Session expiry and Close end every watch
// with a final event whose Err says why, a watch the server will not
// re-register after a reconnect ends with ErrWatchNotRestored, and a
// consumer that falls behind gets ErrWatchOverflow rather than silent loss.
//
// WatchData and WatchChildren turn one-shot watches into a stream of
// states: they re-read on every re-arm, so the latest state is never
// missed.
//
// # Connection loss and the session deadline
//
// A call that fails with ErrConnectionLoss may or may not have been
// applied, unless SafeToRetry(err) says it never reached the server.
// Calls made while disconnected wait for the next connection, but not
// forever: the client notes when it last heard from a server, and once it
// has been disconnected for the negotiated session timeout since then, the
// server may have expired the session. The client then reports StateLost
// (a state of its own: the server has not confirmed an expiry) to state
// listeners and SessionEvents, and every queued call fails with
// ErrConnectionLoss, safe to retry. It keeps reconnecting: StateConnected
// follows if the session survived, StateExpired if not. A call made while
// lost waits at most for one connection attempt (up to the session
// timeout divided by the number of servers, at least 1 s, or
// WithConnectTimeout) and one backoff pause (up to 1 s), and fails with
// ErrConnectionLoss, safe to retry, when that attempt fails. And a call
// that has waited a whole session timeout without a connection to carry
// it fails so too, even when servers keep accepting the handshake and
// dropping the connection. No call waits forever for a reconnect,
// whatever context it got. This combines the Java client's rule (queued requests
// fail when a connection attempt fails) with Curator's (LOST after the
// session timeout): a lock holder should consider its lock lost at
// StateLost, since another client may hold it by then.
//
// # Session states
//
// Every state change is announced once, in order, to WithStateListener
// callbacks and to every SessionEvents channel (whose first event is the
// state now, so a late reader misses nothing). Done is closed when the
// client can no longer do anything: after Close, an expiry without
// WithNewSessionOnExpiry, or refused credentials; State then says which.
//
// # Security
//
// WithTLS connects to the servers' secure client port, with hostname
// verification on by default and a client certificate for mutual TLS.
// WithAuth sends credentials (digest "user:password") and WithSASL logs in
// with SASL DIGEST-MD5; both are replayed on every connection before any
// other request, once each. Passwords are never logged. A refused login
// ends the session with StateAuthFailed and ErrAuthFailed instead of
// reconnecting forever.
//
// # Read-only servers
//
// With WithReadOnly the client accepts a server that lost its quorum
// (StateConnectedReadOnly): reads and watches work, writes fail with
// ErrNotReadOnly. It looks for a read-write server in the background and
// moves there by itself.
//
// # Membership changes
//
// WithEnsembleTracking keeps the server list in step with the ensemble's
// membership (ConfigNode) and moves clients to spread the load when it
// changes, keeping their sessions; UpdateServers changes the list by hand.
//
// # Metrics
//
// WithMetrics reports every request (operation, latency, outcome, hence
// the requests in flight), reconnects and expiries to a Metrics
// implementation; Client.Stats gives the watch gauges (registrations by
// kind, overflows). Unused, metrics cost one nil check per request. See
// the WithMetrics example for an expvar adapter.
//
// # Layers
//
// The client is built on package conn (one session: handshake, pipelined
// requests, pings, reconnects), package watchmgr (who watches what),
// package proto (every wire record) and package jute (the codec). Each is
// usable alone; zktest starts real ZooKeeper servers for tests and offers a
// fault-injecting TCP proxy.
package zk
