package zk

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"strings"

	zkconn "github.com/zkwire/zk/conn"
	"github.com/zkwire/zk/proto"
)

// Logger is an interface that can be implemented to provide custom log output.
type Logger interface {
	Printf(string, ...interface{})
}

type defaultLogger struct{}

func (defaultLogger) Printf(format string, a ...interface{}) { log.Printf(format, a...) }

// DefaultLogger uses the stdlib log package for logging.
var DefaultLogger Logger = defaultLogger{}

// slogToPrintf passes the zkwire client's warnings and errors on to a
// go-zookeeper Logger (its informational messages are this package's own,
// in go-zookeeper's words).
type slogToPrintf struct {
	c     *Conn
	attrs []slog.Attr
}

func (h slogToPrintf) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h slogToPrintf) Handle(_ context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		h.restoreFailed(r)
		return nil
	}
	var b strings.Builder
	b.WriteString(r.Message)
	for _, a := range h.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.c.logf("%s", b.String())
	return nil
}

// logTooLarge logs, in go-zookeeper's words and before the call returns
// (as go-zookeeper does), that a reply over WithMaxBufferSize closed the
// connection: the calls that were pending fail with the client's
// ProtocolError naming the frame length as the cause. Once per error, however
// many calls it failed.
func (c *Conn) logTooLarge(err error) {
	var pe *zkconn.ProtocolError
	if c.maxBufferSize <= 0 || !errors.As(err, &pe) {
		return
	}
	var n int64
	if _, serr := fmt.Sscanf(pe.Msg, "reply frame length %d outside", &n); serr != nil || n <= int64(c.maxBufferSize) {
		return
	}
	c.mu.Lock()
	seen := c.tooLarge == pe
	c.tooLarge = pe
	c.mu.Unlock()
	if !seen {
		c.logf("received packet from server with length %d, which exceeds max buffer size %d", n, c.maxBufferSize)
	}
}

// restoreFailed ends the watches when the client reports that the server
// refused to restore them after a reconnect (the client logs it and keeps
// the watches registered; a refused restoration is a server error code, a
// connection lost meanwhile is not: the next connection restores them).
func (h slogToPrintf) restoreFailed(r slog.Record) {
	switch r.Message {
	case "zk: restoring watches failed", "zk: cannot restore watches":
	default:
		return
	}
	r.Attrs(func(a slog.Attr) bool {
		err, ok := a.Value.Any().(error)
		if a.Key != "err" || !ok {
			return true
		}
		var code proto.Code
		if r.Message == "zk: cannot restore watches" {
			h.c.watchesNotRestored(ErrShortBuffer)
		} else if errors.As(err, &code) && code != proto.ErrConnectionLoss {
			h.c.watchesNotRestored(bare(nil, err))
		}
		return false
	})
}

func (h slogToPrintf) WithAttrs(as []slog.Attr) slog.Handler {
	return slogToPrintf{c: h.c, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h slogToPrintf) WithGroup(string) slog.Handler { return h }
