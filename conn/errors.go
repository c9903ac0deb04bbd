package conn

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/zkwire/zk/proto"
)

// ErrClosed fails calls submitted after Close and calls still queued or in
// flight when Close runs.
var ErrClosed = errors.New("zk: client closed")

// ErrPacketTooLarge: the request's frame exceeds Config.MaxPacketSize, so
// the server would drop the connection on it. Nothing was sent.
var ErrPacketTooLarge = errors.New("zk: request larger than the packet limit")

// Error is a call's failure for a reason on the client's side of the wire.
//
// Kind says what the caller should conclude: proto.ErrConnectionLoss (the
// connection dropped; the outcome of a sent request is unknown),
// proto.ErrSessionExpired, proto.ErrAuthFailed, ErrClosed, or the
// context's error of a call cancelled before it was sent. Cause is what
// happened underneath (io.EOF, a read timeout, a *ProtocolError), if known.
// errors.Is and errors.As see both.
type Error struct {
	Kind  error
	Cause error
	// Sent is false when the request provably never reached the wire, so
	// retrying it cannot apply it twice (see SafeToRetry).
	Sent bool
}

func (e *Error) Error() string {
	if e.Cause == nil {
		return e.Kind.Error()
	}
	return fmt.Sprintf("%v: %v", e.Kind, e.Cause)
}

// Unwrap exposes both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// SafeToRetry reports whether err proves that the request never reached
// the server, so sending it again cannot apply it twice. A create that
// failed with connection loss after it was written may exist; one that
// never left the queue does not, nor one refused with ErrPacketTooLarge,
// nor one whose context ended while it was still queued. Server replies (a
// proto.Code) and bare context errors (the call was cancelled after it was
// taken for sending) report false: the request may have been sent.
func SafeToRetry(err error) bool {
	var e *Error
	return errors.As(err, &e) && !e.Sent || errors.Is(err, ErrPacketTooLarge)
}

// notSent marks a context's error for a call that provably never left the
// client.
func notSent(ctxErr error) *Error { return &Error{Kind: ctxErr} }

// ProtocolError is a server frame that breaks the protocol: a reply whose
// xid is not the oldest request's, a length out of bounds, a body that does
// not decode, a handshake reply that is not ZooKeeper's. The connection that
// carried it is closed and the session reconnects; in-flight calls see it as
// the Cause of their connection loss.
type ProtocolError struct {
	Msg string
	Err error // the decoder's error, if any (errors.Is and errors.As see it)
}

func (e *ProtocolError) Error() string { return "zk: protocol error: " + e.Msg }

func (e *ProtocolError) Unwrap() error { return e.Err }

func protocolErr(format string, args ...any) error {
	return &ProtocolError{Msg: fmt.Sprintf(format, args...)}
}

// Outcomes of a connection attempt that change the session, as opposed to
// "try the next server".
var (
	// errSessionInvalid: the server answered the handshake with timeOut 0.
	errSessionInvalid = errors.New("server says the session is expired or invalid")
)

// authError is a credential rejected while being replayed during a
// handshake; the session can no longer be used with its credentials. It
// names the scheme, never the secret.
type authError struct{ scheme string }

func (e *authError) Error() string {
	return fmt.Sprintf("server rejected the %q credentials replayed on reconnect", e.scheme)
}

// lossError fails a call that was handed to a connection that dropped.
func lossError(cause error, sent bool) *Error {
	return &Error{Kind: proto.ErrConnectionLoss, Cause: cause, Sent: sent}
}

// ErrReplyTooLarge: the reply to this call was longer than
// Config.MaxReplySize. The request was sent (and may have been applied);
// its reply was read and discarded, and the connection goes on. Matched
// with errors.Is; errors.As with *ReplyTooLargeError gives the sizes.
var ErrReplyTooLarge = errors.New("zk: reply larger than the reply limit")

// ReplyTooLargeError is the error of a call whose reply exceeded
// Config.MaxReplySize.
type ReplyTooLargeError struct {
	Op    proto.Op
	Size  int // the reply frame's length in bytes
	Limit int // Config.MaxReplySize
}

func (e *ReplyTooLargeError) Error() string {
	return fmt.Sprintf("%v: a %d-byte %v reply, limit %d (MaxReplySize)", ErrReplyTooLarge, e.Size, e.Op, e.Limit)
}

// Is makes errors.Is(err, ErrReplyTooLarge) true.
func (e *ReplyTooLargeError) Is(target error) bool { return target == ErrReplyTooLarge }

// maxQuoted is how many bytes of a peer- or caller-supplied string (a
// path, a directive) an error message quotes: enough to recognise it,
// never megabytes.
const maxQuoted = 200

// clipQuote quotes s for an error message, cut to maxQuoted bytes (at a
// UTF-8 boundary) with an ellipsis and the full length when longer.
func clipQuote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(s[:cut]), len(s))
}
