package zk_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// srv is the standalone server every test in the package shares.
var srv *zktest.Server

func TestMain(m *testing.M) {
	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
}

var seq atomic.Int64

// testPath returns a fresh top-level path for one test.
func testPath(t testing.TB) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return fmt.Sprintf("/%s-%d", name, seq.Add(1))
}

func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// connect opens a client to the shared server and closes it after the test.
func connect(t testing.TB, opts ...zk.Option) *zk.Client {
	t.Helper()
	return connectTo(t, []string{srv.Addr()}, opts...)
}

func connectTo(t testing.TB, servers []string, opts ...zk.Option) *zk.Client {
	t.Helper()
	ctx := ctxFor(t, 30*time.Second)
	opts = append([]zk.Option{zk.WithSessionTimeout(8 * time.Second)}, opts...)
	c, err := zk.Connect(ctx, servers, opts...)
	if err != nil {
		t.Fatalf("connect %v: %v", servers, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
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
	case ev, ok := <-w.C:
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
	case ev, ok := <-w.C:
		t.Fatalf("watch on %s: unexpected %v (open=%v)", w.Path(), ev, ok)
	case <-time.After(within):
	}
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
		time.Sleep(50 * time.Millisecond)
	}
}
