// Package proto holds ZooKeeper's wire records and constants: opcodes
// (Op), error codes (Code), event types, session states, create modes,
// watcher types, permissions, and every request and response record,
// each able to encode and decode itself with package jute.
//
// Most users never import it: the root package zk re-exports what an
// application needs (zk.ErrNoNode, zk.Stat, zk.EphemeralSequential, ...).
// It is for SDKs that pipeline raw records through package conn, and for
// proxies, protocol analysers, fuzzers and fake servers.
//
// # Records
//
// Names follow zookeeper.jute (GetDataRequest, GetChildren2Response,
// WatcherEvent, ReplyHeader, SetWatches2), so they can be grepped against
// the protocol definition. Every record implements Record: AppendTo
// appends its encoding, Decode reads it from a *jute.Reader. Decode takes
// a Reader rather than a byte slice so that records nest (a Stat inside a
// response, operations inside a multi) and one Reader can serve frame after
// frame; Marshal and Unmarshal wrap the two for a standalone slice. Both
// directions exist for requests and responses alike, so a fake server can
// reuse the client's codec. Decoding never panics and never allocates from
// an unchecked length (see package jute). Decoded []byte fields alias the
// input.
//
// NewRequest and NewResponse give the empty record for an opcode, which is
// how a generic receive loop pairs a reply with its request's body type.
//
// A frame after the handshake is a 4-byte length, a RequestHeader (client)
// or ReplyHeader (server), then the record; when the reply header's Err is
// not zero no body follows. The handshake frames (ConnectRequest,
// ConnectResponse) have no header. The special xids (XidNotification,
// XidPing, XidAuth, XidSetWatches) mark frames that are not replies to an
// ordinary request.
//
// Records that are not in the IDL (multi with its MultiHeader, and the
// read-only flag that trails the connect records) are hand-written in
// their own files, which say which Java code they mirror.
//
// # Errors
//
// A Code is a server error code and is itself an error, so
// errors.Is(err, proto.ErrNoNode) matches through any wrapping and
// errors.As recovers the code. Unknown codes stay Code(n) rather than
// being lost. Code.Retryable says which codes a plain retry may cure.
//
// # Concurrency
//
// The package is pure data: no I/O, no goroutines, no shared state. A
// record value is as safe for concurrent use as any Go struct: read it
// from many goroutines, write it from one.
package proto
