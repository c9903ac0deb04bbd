package zk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/zkwire/zk/conn"
	"github.com/zkwire/zk/proto"
	"github.com/zkwire/zk/watchmgr"
)

// Server error codes, matched with errors.Is. Each is a proto.Code, so
// errors.As(err, &code) recovers the numeric code too.
var (
	ErrSystemError             error = proto.ErrSystemError
	ErrRuntimeInconsistency    error = proto.ErrRuntimeInconsistency
	ErrDataInconsistency       error = proto.ErrDataInconsistency
	ErrMarshallingError        error = proto.ErrMarshallingError
	ErrUnimplemented           error = proto.ErrUnimplemented
	ErrOperationTimeout        error = proto.ErrOperationTimeout
	ErrBadArguments            error = proto.ErrBadArguments
	ErrNewConfigNoQuorum       error = proto.ErrNewConfigNoQuorum
	ErrReconfigInProgress      error = proto.ErrReconfigInProgress
	ErrNoNode                  error = proto.ErrNoNode
	ErrNoAuth                  error = proto.ErrNoAuth
	ErrBadVersion              error = proto.ErrBadVersion
	ErrNoChildrenForEphemerals error = proto.ErrNoChildrenForEphemerals
	ErrNodeExists              error = proto.ErrNodeExists
	ErrNotEmpty                error = proto.ErrNotEmpty
	ErrInvalidACL              error = proto.ErrInvalidACL
	ErrAuthFailed              error = proto.ErrAuthFailed
	ErrSessionMoved            error = proto.ErrSessionMoved
	ErrNotReadOnly             error = proto.ErrNotReadOnly
	ErrEphemeralOnLocalSession error = proto.ErrEphemeralOnLocalSession
	ErrNoWatcher               error = proto.ErrNoWatcher
	ErrReconfigDisabled        error = proto.ErrReconfigDisabled
	ErrQuotaExceeded           error = proto.ErrQuotaExceeded
	ErrThrottledOp             error = proto.ErrThrottledOp
)

// Client-side conditions.
var (
	// ErrConnectionLoss: the connection dropped before the reply came. The
	// request may or may not have been applied; see SafeToRetry.
	ErrConnectionLoss error = proto.ErrConnectionLoss
	// ErrSessionExpired: the server ended the session; its ephemeral nodes
	// and watches are gone.
	ErrSessionExpired error = proto.ErrSessionExpired
	// ErrClosed: the client was closed.
	ErrClosed = conn.ErrClosed
	// ErrPacketTooLarge: the request would exceed the server's packet
	// limit (WithMaxPacketSize); nothing was sent.
	ErrPacketTooLarge = conn.ErrPacketTooLarge
	// ErrReplyTooLarge: the reply exceeded the reply limit
	// (WithMaxReplySize, default 16 MiB). The request was sent and may have
	// been applied; only this call fails, the connection goes on. errors.As
	// with *ReplyTooLargeError gives the sizes.
	ErrReplyTooLarge = conn.ErrReplyTooLarge
	// ErrWatchOverflow ends a watch whose consumer fell behind.
	ErrWatchOverflow = watchmgr.ErrOverflow
	// ErrWatchNotKept ends a one-shot watch served from a persistent watch
	// that could not be registered.
	ErrWatchNotKept = watchmgr.ErrNotKept
	// ErrWatchNotRestored ends a watch that could not be re-registered
	// after a reconnect, so it would never fire again: the server refused
	// it (the watch's Err also wraps the server's error, e.g. a Code) or
	// its path alone is over the packet limit (also ErrPacketTooLarge).
	// Other watches go on. Re-read and watch again.
	ErrWatchNotRestored = watchmgr.ErrNotRestored
	// ErrInvalidPath: the path breaks ZooKeeper's rules; nothing was sent.
	ErrInvalidPath = errors.New("zk: invalid path")
	// ErrInvalidArgument: another argument is unusable (nil context, bad
	// create mode, empty ACL, TTL out of range, a malformed server address
	// or other option given to Connect); nothing was sent.
	ErrInvalidArgument = conn.ErrInvalidArgument
)

// ReplyTooLargeError is the error of a call whose reply exceeded the reply
// limit; errors.Is(err, ErrReplyTooLarge) matches it.
type ReplyTooLargeError = conn.ReplyTooLargeError

// SafeToRetry reports whether err proves the request never reached the
// server, so that retrying cannot apply it twice.
func SafeToRetry(err error) bool {
	var ns *notSentError
	return conn.SafeToRetry(err) || errors.As(err, &ns)
}

// notSentError is a context's error for a call refused before anything
// was submitted (its context had ended already), so SafeToRetry says so
// as it does for conn's calls cancelled while queued.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// checkCtxNotSent is checkCtx for a call about to be made: an ended
// context's error is marked as never sent.
func checkCtxNotSent(ctx context.Context) error {
	if ctx == nil {
		return invalid("nil context")
	}
	if err := ctx.Err(); err != nil {
		return &notSentError{err}
	}
	return nil
}

// OpError is the error of one operation: which, on which path, and why.
// Unwrap gives the cause, so errors.Is(err, zk.ErrNoNode) works.
type OpError struct {
	Op   string // the client method's operation, e.g. "create"
	Path string // the path as the caller gave it
	Err  error
}

func (e *OpError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("zk: %s: %v", e.Op, trimPrefix(e.Err))
	}
	return fmt.Sprintf("zk: %s %s: %v", e.Op, clipPath(e.Path), trimPrefix(e.Err))
}

// maxPathInError is how many bytes of a path an error message shows: paths
// can be up to a megabyte, and an error is read by people and logs.
const maxPathInError = 200

// clipPath shortens a path for an error message: its first bytes (cut at
// a UTF-8 boundary), an ellipsis and its full length.
func clipPath(p string) string {
	if len(p) <= maxPathInError {
		return p
	}
	cut := maxPathInError
	for cut > 0 && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", p[:cut], len(p))
}

// quotePath is clipPath for a path quoted with %q.
func quotePath(p string) string {
	if len(p) <= maxPathInError {
		return strconv.Quote(p)
	}
	cut := maxPathInError
	for cut > 0 && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(p[:cut]), len(p))
}

func (e *OpError) Unwrap() error { return e.Err }

// trimPrefix drops the "zk: " of a wrapped error's message so it is not
// repeated.
func trimPrefix(err error) string {
	s := err.Error()
	if len(s) > 4 && s[:4] == "zk: " {
		return s[4:]
	}
	return s
}

func opErr(op, path string, err error) error {
	if err == nil {
		return nil
	}
	return &OpError{Op: op, Path: path, Err: err}
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidArgument}, args...)...)
}
