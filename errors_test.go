package zk_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
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

// Through the public API: a MultiRead whose reply is over the 16 MiB limit
// fails alone with zk.ErrReplyTooLarge; small calls beside it succeed and
// the client never disconnects.
func TestMultiReadReplyTooLarge(t *testing.T) {
	var mu sync.Mutex
	var states []zk.State
	c := connect(t, zk.WithStateListener(func(s zk.State) {
		mu.Lock()
		states = append(states, s)
		mu.Unlock()
	}))
	ctx := ctxFor(t, 60*time.Second)
	parent := testPath(t)
	mustCreate(t, c, parent, nil)
	data := make([]byte, 900_000)
	var ops []zk.ReadOp
	var paths []string
	for i := range 20 {
		child := fmt.Sprintf("%s/c%02d", parent, i)
		mustCreate(t, c, child, data)
		ops = append(ops, zk.GetOp(child))
		paths = append(paths, child)
	}
	t.Cleanup(func() {
		ctx := ctxFor(t, 30*time.Second)
		for _, p := range paths {
			c.Delete(ctx, p, -1)
		}
		c.Delete(ctx, parent, -1)
	})
	mu.Lock()
	before := len(states)
	mu.Unlock()

	stop := make(chan struct{})
	errs := make(chan error, 4)
	var done sync.WaitGroup
	for range 4 {
		done.Add(1)
		go func() {
			defer done.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := c.Exists(ctx, parent); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	_, err := c.MultiRead(ctx, ops...)
	if _, _, err := c.Get(ctx, paths[0]); err != nil {
		t.Errorf("Get of one 900 KB node afterwards: %v", err)
	}
	close(stop)
	done.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("small call beside the big MultiRead: %v", e)
	}
	var tl *zk.ReplyTooLargeError
	if !errors.Is(err, zk.ErrReplyTooLarge) || !errors.As(err, &tl) || tl.Size <= 16<<20 {
		t.Fatalf("MultiRead of 18 MB: %v; want ErrReplyTooLarge", err)
	}
	mu.Lock()
	changes := states[before:]
	mu.Unlock()
	t.Logf("MultiRead: %v; state changes meanwhile: %d %v", err, len(changes), changes)
	if len(changes) != 0 {
		t.Fatalf("state changes %v", changes)
	}
}
