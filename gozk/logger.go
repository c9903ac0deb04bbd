package zk

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"strings"

	root "github.com/zkwire/zk"
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
// (as go-zookeeper does), that a reply was over WithMaxBufferSize. Only
// that call failed (go-zookeeper drops the whole connection).
func (c *Conn) logTooLarge(err error) {
	var tl *root.ReplyTooLargeError
	if c.maxBufferSize <= 0 || !errors.As(err, &tl) {
		return
	}
	c.logf("received packet from server with length %d, which exceeds max buffer size %d", tl.Size, tl.Limit)
}

func (h slogToPrintf) WithAttrs(as []slog.Attr) slog.Handler {
	return slogToPrintf{c: h.c, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h slogToPrintf) WithGroup(string) slog.Handler { return h }
