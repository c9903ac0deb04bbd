package zktest

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// Main runs a package's tests against one shared standalone server: it
// starts the server, hands it to setup, runs the tests, stops the server
// and checks that no goroutine leaked. Use it from TestMain:
//
//	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
//
// ZK_TEST_SERVER=host:port points the tests at a running server instead
// (then helpers that stop or restart servers are not available).
// Without an install it fails in CI (CI set) and skips elsewhere.
func Main(m *testing.M, setup func(*Server), opts ...Option) int {
	before := goroutines()
	var s *Server
	if addr := os.Getenv("ZK_TEST_SERVER"); addr != "" {
		s = External(addr)
	} else {
		var err error
		s, err = StartServer(opts...)
		if err != nil {
			if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") == "" {
				fmt.Fprintf(os.Stderr, "SKIP: integration tests need ZooKeeper: %v\n", err)
				return 0
			}
			fmt.Fprintf(os.Stderr, "FAIL: cannot start ZooKeeper: %v\n", err)
			return 1
		}
	}
	setup(s)
	code := m.Run()
	s.Close()
	if code == 0 {
		if err := CheckGoroutines(before, 10*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			return 1
		}
	}
	return code
}

// External wraps a server someone else runs; Stop, Start and Kill do
// nothing useful on it.
func External(addr string) *Server {
	port := 0
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		fmt.Sscanf(addr[i+1:], "%d", &port)
	}
	return &Server{port: port}
}

// Goroutines is a snapshot for CheckGoroutines.
type Goroutines map[string]int

// goroutines returns the stacks of the goroutines now running, keyed by
// their top function, not counting the runtime's and testing's own.
func goroutines() Goroutines {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := Goroutines{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		lines := strings.Split(g, "\n")
		if len(lines) < 2 {
			continue
		}
		if ignored(g) {
			continue
		}
		// Key by function names only: arguments and offsets differ
		// between otherwise identical goroutines.
		var fns []string
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, "\t") || l == "" {
				continue
			}
			if i := strings.LastIndexByte(l, '('); i > 0 {
				l = l[:i]
			}
			fns = append(fns, l)
		}
		out[strings.Join(fns, "\n")]++
	}
	return out
}

func ignored(stack string) bool {
	for _, s := range []string{
		"testing.(*M).", "testing.tRunner", "testing.runTests", "runtime.goexit0",
		"os/signal.signal_recv", "runtime.ensureSigM", "zktest.goroutines",
		"created by runtime.gc", "runtime.MHeap_Scavenger", "signal.loop",
		"zktest.Main", "main.main",
	} {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return false
}

// SnapshotGoroutines records the running goroutines for a later
// CheckGoroutines.
func SnapshotGoroutines() Goroutines { return goroutines() }

// CheckGoroutines waits up to grace for the goroutines started since
// before to end, and reports those still running.
func CheckGoroutines(before Goroutines, grace time.Duration) error {
	deadline := time.Now().Add(grace)
	for {
		var leaked []string
		for stack, n := range goroutines() {
			if n > before[stack] {
				leaked = append(leaked, fmt.Sprintf("%d× %s", n-before[stack], stack))
			}
		}
		if len(leaked) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			sort.Strings(leaked)
			return fmt.Errorf("zktest: %d goroutine stacks leaked:\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
