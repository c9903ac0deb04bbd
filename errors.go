package zk

import (
	"errors"
	"fmt"

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
	// ErrWatchOverflow ends a watch whose consumer fell behind.
	ErrWatchOverflow = watchmgr.ErrOverflow
	// ErrWatchNotKept ends a one-shot watch served from a persistent watch
	// that could not be registered.
	ErrWatchNotKept = watchmgr.ErrNotKept
	// ErrInvalidPath: the path breaks ZooKeeper's rules; nothing was sent.
	ErrInvalidPath = errors.New("zk: invalid path")
	// ErrInvalidArgument: another argument is unusable (nil context, bad
	// create mode, empty ACL, TTL out of range, a malformed server address
	// or other option given to Connect); nothing was sent.
	ErrInvalidArgument = conn.ErrInvalidArgument
)

// SafeToRetry reports whether err proves the request never reached the
// server, so that retrying cannot apply it twice.
func SafeToRetry(err error) bool { return conn.SafeToRetry(err) }

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
	return fmt.Sprintf("zk: %s %s: %v", e.Op, e.Path, trimPrefix(e.Err))
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
