package zk_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/zktest"
)

// srv is the standalone server every test in the package shares.
var srv *zktest.Server

func TestMain(m *testing.M) {
	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
}

// testPath returns a fresh top-level path for one test.
func testPath(t testing.TB) string { return testenv.Path(t, "") }

func ctxFor(t testing.TB, d time.Duration) context.Context { return testenv.Ctx(t, d) }

// connect opens a client to the shared server and closes it after the test.
func connect(t testing.TB, opts ...zk.Option) *zk.Client {
	t.Helper()
	return connectTo(t, []string{srv.Addr()}, opts...)
}

func connectTo(t testing.TB, servers []string, opts ...zk.Option) *zk.Client {
	t.Helper()
	return testenv.ConnectTo(t, servers, opts...)
}

var open = zk.WorldACL(zk.PermAll)

func mustCreate(t testing.TB, c *zk.Client, p string, data []byte) {
	t.Helper()
	if _, err := c.Create(ctxFor(t, 10*time.Second), p, data, zk.Persistent, open); err != nil {
		t.Fatalf("create %s: %v", p, err)
	}
}

// nextEvent waits for one event on w.
func nextEvent(t testing.TB, w *zk.Watch, within time.Duration) zk.Event {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatalf("watch on %s closed, want an event", w.Path())
		}
		return ev
	case <-time.After(within):
		t.Fatalf("no event on %s within %v", w.Path(), within)
	}
	return zk.Event{}
}

// noEvent checks that nothing arrives on w for a short while.
func noEvent(t testing.TB, w *zk.Watch, within time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		t.Fatalf("watch on %s: unexpected %v (open=%v)", w.Path(), ev, ok)
	case <-time.After(within):
	}
}

func eventually(t testing.TB, within time.Duration, f func() error) {
	t.Helper()
	testenv.Eventually(t, within, f)
}
