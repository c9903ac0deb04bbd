package conn

import (
	"errors"
	"fmt"

	"github.com/zkwire/zk/proto"
)

// ErrClosed fails calls made after Close, and calls in flight at Close.
var ErrClosed = errors.New("zk: client closed")

// ErrPacketTooLarge: the request's frame exceeds Config.MaxPacketSize (the
// server would drop the connection); nothing was sent.
var ErrPacketTooLarge = errors.New("zk: request larger than the packet limit")

// Error is a call's failure for a client-side reason: Kind is
// proto.ErrConnectionLoss, proto.ErrSessionExpired, proto.ErrAuthFailed or
// ErrClosed; Cause is what happened underneath (EOF, a read timeout, a
// protocol error). errors.Is matches both.
type Error struct {
	Kind  error
	Cause error
	// Sent is false when the request provably never reached the wire, so
	// retrying it cannot apply it twice.
	Sent bool
}

func (e *Error) Error() string {
	if e.Cause == nil {
		return e.Kind.Error()
	}
	return fmt.Sprintf("%v (%v)", e.Kind, e.Cause)
}

func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// SafeToRetry reports whether err proves the request never reached the
// server.
func SafeToRetry(err error) bool {
	var e *Error
	return errors.As(err, &e) && !e.Sent
}

// ProtocolError is a server frame that breaks the protocol (a reply out of
// order, a length out of bounds, an undecodable body). The connection that
// carried it is closed and the client reconnects.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return "zk: protocol error: " + e.Msg }

func protocolErr(format string, args ...any) error {
	return &ProtocolError{Msg: fmt.Sprintf(format, args...)}
}

var (
	errExpired    = errors.New("session expired")
	errAuthFailed = errors.New("authentication failed")
	errReadOnly   = errors.New("server is read-only and refused the session")
)

// lossError fails a call that was on a connection that dropped.
func lossError(cause error, sent bool) error {
	return &Error{Kind: proto.ErrConnectionLoss, Cause: cause, Sent: sent}
}
