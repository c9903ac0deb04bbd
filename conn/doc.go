// Package conn is the session engine underneath the zk client: one
// ZooKeeper session over TCP (optionally TLS), kept across connection
// loss, with an asynchronous API for raw proto records.
//
// Most users want the root package zk, whose Client adds typed methods,
// path validation, chroot handling and watches on top of this package.
// Use conn directly to pipeline raw protocol records (an SDK, a benchmark,
// a tool), or reach it from a client with zk.Client.Conn.
//
// # Calls
//
// A Call is one request: fill in Op, Req (a proto record) and Resp (the
// empty response record), then Submit it, which queues it and returns at
// once, and Wait for it (or select on Done, or set OnReply, which runs on
// the receive loop right after the reply is decoded). Do is Submit plus
// Wait. Any number of calls may be in flight; replies complete them in the
// order they were sent. Calls submitted while disconnected wait for the
// next connection, but never longer than the session deadline (below).
//
// Request and response paths are the caller's: Config.Chroot is applied
// only to notifications and to watch re-registration.
//
// # Sessions
//
// Dial returns once a session is established. A session goroutine then
// owns reconnection: it dials the servers in turn with backoff (and,
// after a connection that worked drops, a random pause of up to
// min(700 ms, session timeout/10) before the first attempt, so that many
// clients cut at once do not all come back at once), shakes
// hands with the session id and password, replays credentials (Auth, then
// SASL) and re-registers watches (asking a WatchProvider which) before any
// queued request is sent, then starts one writer and one reader goroutine
// for the connection. The writer is the only goroutine that writes to the
// socket: it coalesces every queued request into one write and pings when
// idle. The reader is the only one that reads, many replies per read
// system call. Under load (16 or more requests in flight) each pauses
// briefly before its socket call so that the call carries many frames; a
// lone request is never delayed. The reader also pauses (at most 250 µs)
// while watch events stream in with no request in flight (linger.go).
// The reader matches each reply to
// the oldest outstanding request (a reply with another xid is a
// *ProtocolError and closes the connection) and hands notifications and
// state changes to an EventSink. The session ends with Close, expiry (or
// a new session, with Config.NewSessionOnExpiry) or an authentication
// failure.
//
// # The session deadline
//
// The client notes when it last heard from a server (any reply, ping reply
// or handshake answer). Once it has been disconnected for the negotiated
// session timeout since then, the server may have expired the session
// without being able to say so: the sink sees proto.StateLost, and every
// call still queued fails with connection loss that SafeToRetry calls safe
// (it was never sent). The client keeps reconnecting; the first server it
// reaches confirms the session (StateSyncConnected) or its expiry
// (StateExpired). While lost, a call waits at most for the connection
// attempt under way (or the next one, after a backoff pause of at most a
// second): it fails with connection loss, not sent, when that attempt
// fails. So no call waits forever for a reconnect, whatever its context.
//
// A handshake that succeeds re-attaches the session and so moves the
// deadline. Servers that accept the handshake and drop the connection at
// once would move it forever; so a queued call also fails (connection
// loss, not sent) once it has waited a session timeout since it was first
// left without a connection to carry it, whatever the deadline says.
//
// This follows the Java client, whose queued requests fail with
// CONNECTIONLOSS whenever a connection attempt fails, and Curator, which
// reports LOST once the session timeout has passed without a connection.
// Queuing until the deadline (rather than failing at the first failed
// attempt, as Java does) lets calls ride out a short outage; failing at
// every attempt after it (rather than at once, as Curator does) keeps
// retry loops from spinning while the client is lost.
//
// # Errors and retries
//
// A call's Err is nil, a proto.Code from the server (errors.Is(err,
// proto.ErrNoNode)), the context's error, a *ReplyTooLargeError (the reply
// exceeded Config.MaxReplySize; it was skipped and the connection goes
// on), or an *Error for a failure on the client's side of the wire: its
// Kind is proto.ErrConnectionLoss, proto.ErrSessionExpired,
// proto.ErrAuthFailed, ErrClosed, or the context's error for a call
// cancelled before it was sent. A write that failed with connection loss
// may have been applied; SafeToRetry tells the calls that provably never
// reached the server. A context that ends while a call waits removes the
// call if it is still queued, and otherwise abandons it without closing
// the connection, since that would fail every other call in flight.
//
// # Concurrency
//
// A Conn's methods are safe for concurrent use. A Call belongs to the
// Conn from Submit until Done is closed. EventSink methods and OnReply run
// on the connection's goroutines: they must not block and must not call
// Close. Close waits for every goroutine the Conn started.
//
// The package knows nothing of watch semantics; package watchmgr does.
package conn
