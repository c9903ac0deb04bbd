package zk_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/conn"
)

// Error messages quote at most a few hundred bytes of a path, with its
// length: a 1 MiB path must not make a 1 MiB error string.
func TestErrorsQuoteShortPaths(t *testing.T) {
	long := "/" + strings.Repeat("n", 1<<20)
	check := func(what string, err error, n int) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		s := err.Error()
		if len(s) > 600 || !strings.Contains(s, fmt.Sprintf("(%d bytes)", n)) {
			t.Errorf("%s: a %d-byte message: %.300s", what, len(s), s)
		}
	}
	check("OpError", &zk.OpError{Op: "get", Path: long, Err: zk.ErrNoNode}, len(long))
	check("MultiError", &zk.MultiError{Index: 0, Op: "delete", Path: long, Err: zk.ErrNoNode}, len(long))
	check("ValidatePath", zk.ValidatePath(long+"/", false), len(long)+1)
	check("ValidatePath", zk.ValidatePath(long+"\x01", false), len(long)+1)

	// End to end: the request is too large to send; nothing was sent.
	c := connect(t)
	_, _, err := c.Get(ctxFor(t, 10*time.Second), long)
	if !errors.Is(err, zk.ErrPacketTooLarge) || !zk.SafeToRetry(err) {
		t.Fatalf("Get of a 1 MiB path: %.300v; want ErrPacketTooLarge, safe to retry", err)
	}
	check("Get", err, len(long))
}

// zk.ErrReplyTooLarge is the conn error, so errors.Is matches a call's
// *ReplyTooLargeError through either name.
func TestErrReplyTooLargeExported(t *testing.T) {
	var err error = &conn.ReplyTooLargeError{Size: 18 << 20, Limit: 16 << 20}
	err = &zk.OpError{Op: "multiRead", Err: err}
	var tl *zk.ReplyTooLargeError
	if !errors.Is(err, zk.ErrReplyTooLarge) || !errors.As(err, &tl) || tl.Size != 18<<20 {
		t.Fatalf("%v", err)
	}
}
