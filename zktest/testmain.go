package zktest

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// leakGrace is how long Main lets goroutines wind down after the tests
// before it calls them leaked.
const leakGrace = 10 * time.Second

// Main runs a package's tests against one shared server, for TestMain:
//
//	var srv *zktest.Server
//
//	func TestMain(m *testing.M) {
//		os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
//	}
//
// It starts a standalone server with opts (or uses ZK_TEST_SERVERS), hands
// it to setup (which may be nil), runs the tests, stops the server, and
// then fails the run if goroutines started during it are still running
// (after a grace period), printing their stacks.
//
// Without a ZooKeeper install it prints why and returns 0 without running
// any test, unless the CI environment variable is set: then it returns 1.
func Main(m *testing.M, setup func(*Server), opts ...Option) int {
	before := SnapshotGoroutines()
	var s *Server
	if addrs := externalAddrs(); len(addrs) > 0 {
		s = External(addrs...)
	} else {
		var err error
		s, err = StartServer(opts...)
		if err != nil {
			if errors.Is(err, ErrNotInstalled) && !isCI() {
				fmt.Fprintf(os.Stderr, "SKIP: these tests need a ZooKeeper server: %v\n", err)
				return 0
			}
			fmt.Fprintf(os.Stderr, "FAIL: cannot start a ZooKeeper server for the tests: %v\n", err)
			return 1
		}
	}
	if setup != nil {
		setup(s)
	}
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "zktest: closing the shared server: %v\n", err)
	}
	if code != 0 {
		return code // the failures say more than leaks they may have caused
	}
	if err := CheckGoroutines(before, leakGrace); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		return 1
	}
	return 0
}

// StartServerT starts a standalone server for one test and closes it when
// the test ends. Without a ZooKeeper install it skips the test, or fails
// it when the CI environment variable is set. It always starts its own
// server, ZK_TEST_SERVERS or not, so the test may stop and restart it.
func StartServerT(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := StartServer(opts...)
	if err != nil {
		skipOrFail(tb, err)
		return nil
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// StartEnsembleT starts an ensemble of n for one test and closes it when
// the test ends; see StartServerT.
func StartEnsembleT(tb testing.TB, n int, opts ...Option) *Ensemble {
	tb.Helper()
	e, err := StartEnsemble(n, opts...)
	if err != nil {
		skipOrFail(tb, err)
		return nil
	}
	tb.Cleanup(func() { e.Close() })
	return e
}

func skipOrFail(tb testing.TB, err error) {
	tb.Helper()
	if errors.Is(err, ErrNotInstalled) && !isCI() {
		tb.Skipf("skipped: this test needs a ZooKeeper server: %v", err)
		return
	}
	tb.Fatal(err)
}
