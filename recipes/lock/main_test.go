package lock_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/zktest"
)

// srv is the standalone server every test and example in the package shares.
var srv *zktest.Server

func TestMain(m *testing.M) {
	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
}

func testPath(t testing.TB) string { return testenv.Path(t, "/locktest") }

func ctxFor(t testing.TB, d time.Duration) context.Context { return testenv.Ctx(t, d) }

// connect opens a client to addr (the shared server by default) and closes
// it after the test.
func connect(t testing.TB, opts ...zk.Option) *zk.Client {
	t.Helper()
	return connectTo(t, srv.Addr(), opts...)
}

func connectTo(t testing.TB, addr string, opts ...zk.Option) *zk.Client {
	t.Helper()
	return testenv.Connect(t, addr, opts...)
}

func eventually(t testing.TB, within time.Duration, f func() error) {
	t.Helper()
	testenv.Eventually(t, within, f)
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
