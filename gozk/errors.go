package zk

import (
	"context"
	"errors"
	"fmt"

	root "github.com/zkwire/zk"
	"github.com/zkwire/zk/proto"
)

// Errors are bare sentinels, as in go-zookeeper: compare them with ==.
// The texts are go-zookeeper's.
var (
	// ErrConnectionClosed means the connection has been closed.
	ErrConnectionClosed        = errors.New("zk: connection closed")
	ErrUnknown                 = errors.New("zk: unknown error")
	ErrAPIError                = errors.New("zk: api error")
	ErrNoNode                  = errors.New("zk: node does not exist")
	ErrNoAuth                  = errors.New("zk: not authenticated")
	ErrBadVersion              = errors.New("zk: version conflict")
	ErrNoChildrenForEphemerals = errors.New("zk: ephemeral nodes may not have children")
	ErrNodeExists              = errors.New("zk: node already exists")
	ErrNotEmpty                = errors.New("zk: node has children")
	ErrSessionExpired          = errors.New("zk: session has been expired by the server")
	ErrInvalidACL              = errors.New("zk: invalid ACL specified")
	ErrInvalidFlags            = errors.New("zk: invalid flags specified")
	ErrAuthFailed              = errors.New("zk: client authentication failed")
	ErrClosing                 = errors.New("zk: zookeeper is closing")
	ErrNothing                 = errors.New("zk: no server responses to process")
	ErrSessionMoved            = errors.New("zk: session moved to another server, so operation is ignored")
	ErrReconfigDisabled        = errors.New("attempts to perform a reconfiguration operation when reconfiguration feature is disabled")
	ErrBadArguments            = errors.New("invalid arguments")
)

// Codec errors of go-zookeeper. This package has no reflection codec;
// ErrShortBuffer is what a request larger than the send buffer
// (WithMaxConnBufferSize) fails with, as there.
var (
	ErrUnhandledFieldType = errors.New("zk: unhandled field type")
	ErrPtrExpected        = errors.New("zk: encode/decode expect a non-nil pointer to struct")
	ErrShortBuffer        = errors.New("zk: buffer too small")
)

// ErrNoServer indicates that an operation cannot be completed
// because attempts to connect to all servers in the list failed.
var ErrNoServer = errors.New("zk: could not connect to a server")

// ErrInvalidPath indicates that an operation was being attempted on
// an invalid path. (e.g. empty path).
var ErrInvalidPath = errors.New("zk: invalid path")

// ErrCode is the error code defined by server. Refer to ZK documentations for more specifics.
type ErrCode int32

// codeErrors are the codes go-zookeeper names; any other code becomes
// "unknown error: <code>", as there.
var codeErrors = map[ErrCode]error{
	0:    nil,
	-8:   ErrBadArguments,
	-100: ErrAPIError,
	-101: ErrNoNode,
	-102: ErrNoAuth,
	-103: ErrBadVersion,
	-108: ErrNoChildrenForEphemerals,
	-110: ErrNodeExists,
	-111: ErrNotEmpty,
	-112: ErrSessionExpired,
	-114: ErrInvalidACL,
	-115: ErrAuthFailed,
	-116: ErrClosing,
	-117: ErrNothing,
	-118: ErrSessionMoved,
	-123: ErrReconfigDisabled,
}

func (e ErrCode) toError() error {
	if err, ok := codeErrors[e]; ok {
		return err
	}
	return fmt.Errorf("unknown error: %v", e)
}

// errNoServerRound is the cause given to the contexts of calls that were
// waiting when every server had been tried once in vain.
var errNoServerRound = errors.New("every server tried")

// bare turns an error of the zkwire client (wrapped, with the operation
// and path) into go-zookeeper's bare sentinel.
func bare(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx != nil && ctx.Err() != nil {
		if errors.Is(context.Cause(ctx), errNoServerRound) {
			return ErrNoServer
		}
		// The Conn's own context ends only at Close.
		return ErrConnectionClosed
	}
	var code proto.Code
	switch {
	case errors.Is(err, root.ErrClosed), errors.Is(err, root.ErrConnectionLoss):
		return ErrConnectionClosed
	case errors.Is(err, root.ErrInvalidPath):
		return ErrInvalidPath
	case errors.Is(err, root.ErrPacketTooLarge):
		return ErrShortBuffer
	case errors.Is(err, root.ErrInvalidArgument):
		return ErrBadArguments
	case errors.As(err, &code):
		return ErrCode(code).toError()
	}
	return err
}
