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
// next connection rather than failing.
//
// Request and response paths are the caller's: Config.Chroot is applied
// only to notifications and to watch re-registration.
//
// # Sessions
//
// Dial returns once a session is established. A session goroutine then
// owns reconnection: it dials the servers in turn with backoff, shakes
// hands with the session id and password, replays credentials (Auth, then
// SASL) and re-registers watches (asking a WatchProvider which) before any
// queued request is sent, then starts one writer and one reader goroutine
// for the connection. The writer is the only goroutine that writes to the
// socket: it coalesces every queued request into one write and pings when
// idle. The reader is the only one that reads: it matches each reply to
// the oldest outstanding request (a reply with another xid is a
// *ProtocolError and closes the connection) and hands notifications and
// state changes to an EventSink. The session ends with Close, expiry (or
// a new session, with Config.NewSessionOnExpiry) or an authentication
// failure.
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
