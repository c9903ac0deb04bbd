package group_test

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

// connect opens a client to addr (the shared server when "") and closes it
// after the test.
func connect(t testing.TB, addr string, opts ...zk.Option) *zk.Client {
	t.Helper()
	if addr == "" {
		addr = srv.Addr()
	}
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
		time.Sleep(50 * time.Millisecond)
	}
}
