package lock_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// srv is the standalone server every test and example in the package shares.
var srv *zktest.Server

func TestMain(m *testing.M) {
	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
}

var seq atomic.Int64

// testPath returns a fresh lock path for one test.
func testPath(t testing.TB) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return fmt.Sprintf("/locktest/%s-%d", name, seq.Add(1))
}

func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// connect opens a client to addr (the shared server by default) and closes
// it after the test.
func connect(t testing.TB, opts ...zk.Option) *zk.Client {
	t.Helper()
	return connectTo(t, srv.Addr(), opts...)
}

func connectTo(t testing.TB, addr string, opts ...zk.Option) *zk.Client {
	t.Helper()
	opts = append([]zk.Option{zk.WithSessionTimeout(8 * time.Second)}, opts...)
	c, err := zk.Connect(ctxFor(t, 30*time.Second), []string{addr}, opts...)
	if err != nil {
		t.Fatalf("connect %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// eventually polls f until it returns nil or the deadline passes.
func eventually(t testing.TB, within time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %v", within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// children lists the lock node's children, sorted; a missing node has none.
func children(t testing.TB, c *zk.Client, path string) []string {
	t.Helper()
	names, _, err := c.Children(ctxFor(t, 10*time.Second), path)
	if err != nil && !isNoNode(err) {
		t.Fatalf("children %s: %v", path, err)
	}
	slices.Sort(names)
	return names
}

// waitChildren waits until the lock node has n children.
func waitChildren(t testing.TB, c *zk.Client, path string, n int) []string {
	t.Helper()
	var got []string
	eventually(t, 30*time.Second, func() error {
		if got = children(t, c, path); len(got) != n {
			return fmt.Errorf("%s has %d children %v, want %d", path, len(got), got, n)
		}
		return nil
	})
	return got
}

// closedWithin reports whether ch closes within d.
func closedWithin(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// isClosed reports whether ch is closed now.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func isNoNode(err error) bool { return errors.Is(err, zk.ErrNoNode) }
