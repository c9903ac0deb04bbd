package proto

import "strconv"

// Code is a ZooKeeper error code (KeeperException.Code). It is itself an
// error, so errors.Is(err, proto.ErrNoNode) works through any wrapping and
// errors.As recovers the code. Unknown codes stay Code(n).
type Code int32

const (
	ErrOK                       Code = 0
	ErrSystemError              Code = -1
	ErrRuntimeInconsistency     Code = -2
	ErrDataInconsistency        Code = -3
	ErrConnectionLoss           Code = -4
	ErrMarshallingError         Code = -5
	ErrUnimplemented            Code = -6
	ErrOperationTimeout         Code = -7
	ErrBadArguments             Code = -8
	ErrUnknownSession           Code = -12
	ErrNewConfigNoQuorum        Code = -13
	ErrReconfigInProgress       Code = -14
	ErrAPIError                 Code = -100
	ErrNoNode                   Code = -101
	ErrNoAuth                   Code = -102
	ErrBadVersion               Code = -103
	ErrNoChildrenForEphemerals  Code = -108
	ErrNodeExists               Code = -110
	ErrNotEmpty                 Code = -111
	ErrSessionExpired           Code = -112
	ErrInvalidCallback          Code = -113
	ErrInvalidACL               Code = -114
	ErrAuthFailed               Code = -115
	ErrSessionMoved             Code = -118
	ErrNotReadOnly              Code = -119
	ErrEphemeralOnLocalSession  Code = -120
	ErrNoWatcher                Code = -121
	ErrRequestTimeout           Code = -122
	ErrReconfigDisabled         Code = -123
	ErrSessionClosedRequireSASL Code = -124
	ErrQuotaExceeded            Code = -125
	ErrThrottledOp              Code = -127
)

var codeText = map[Code]string{
	ErrOK:                       "ok",
	ErrSystemError:              "system error",
	ErrRuntimeInconsistency:     "runtime inconsistency",
	ErrDataInconsistency:        "data inconsistency",
	ErrConnectionLoss:           "connection loss",
	ErrMarshallingError:         "marshalling error",
	ErrUnimplemented:            "unimplemented",
	ErrOperationTimeout:         "operation timeout",
	ErrBadArguments:             "bad arguments",
	ErrUnknownSession:           "unknown session",
	ErrNewConfigNoQuorum:        "new config has no quorum",
	ErrReconfigInProgress:       "reconfig in progress",
	ErrAPIError:                 "api error",
	ErrNoNode:                   "node does not exist",
	ErrNoAuth:                   "not authorized",
	ErrBadVersion:               "bad version",
	ErrNoChildrenForEphemerals:  "ephemeral nodes may not have children",
	ErrNodeExists:               "node already exists",
	ErrNotEmpty:                 "node has children",
	ErrSessionExpired:           "session expired",
	ErrInvalidCallback:          "invalid callback",
	ErrInvalidACL:               "invalid ACL",
	ErrAuthFailed:               "authentication failed",
	ErrSessionMoved:             "session moved to another server",
	ErrNotReadOnly:              "not allowed on a read-only server",
	ErrEphemeralOnLocalSession:  "ephemeral node on a local session",
	ErrNoWatcher:                "no such watcher",
	ErrRequestTimeout:           "request timeout",
	ErrReconfigDisabled:         "reconfig disabled",
	ErrSessionClosedRequireSASL: "session closed: SASL authentication required",
	ErrQuotaExceeded:            "quota exceeded",
	ErrThrottledOp:              "operation throttled",
}

func (c Code) Error() string { return "zk: " + c.String() }

func (c Code) String() string {
	if s, ok := codeText[c]; ok {
		return s
	}
	return "unknown error code " + strconv.Itoa(int(c))
}

// Retryable reports whether an operation that failed with c may succeed if
// simply tried again (the server was busy or the connection dropped). A
// write that failed with ConnectionLoss may nevertheless have been applied.
func (c Code) Retryable() bool {
	switch c {
	case ErrConnectionLoss, ErrOperationTimeout, ErrRequestTimeout, ErrThrottledOp, ErrReconfigInProgress:
		return true
	}
	return false
}
