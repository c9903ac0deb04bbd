package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Goroutines is a snapshot of the running goroutines, for Check.
type Goroutines struct {
	ids map[uint64]bool
}

// Snapshot records the goroutines running now.
func Snapshot() Goroutines {
	g := Goroutines{ids: map[uint64]bool{}}
	for id := range goroutineStacks() {
		g.ids[id] = true
	}
	return g
}

// Check waits up to grace for the goroutines started since
// before to end, and returns an error with the stacks of those still
// running. Goroutines are told apart by id (never reused), so one that
// existed before counts as old wherever it is blocked now. Goroutines of
// the runtime and of package testing (the runner, every test's own
// goroutine) do not count, nor does the caller; tests running in parallel
// with the check do, so use it from TestMain (Main does) or from tests that
// are not parallel.
func Check(before Goroutines, grace time.Duration) error {
	deadline := time.Now().Add(grace)
	for {
		var leaked []string
		for id, stack := range goroutineStacks() {
			if !before.ids[id] {
				leaked = append(leaked, stack)
			}
		}
		if len(leaked) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			sort.Strings(leaked)
			return fmt.Errorf("leakcheck: %d goroutines leaked (still running %v after the end):\n\n%s",
				len(leaked), grace, strings.Join(leaked, "\n\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// goroutineStacks returns the stack of every goroutine that counts, by id.
func goroutineStacks() map[uint64]string {
	out := map[uint64]string{}
	for _, stack := range strings.Split(allStacks(), "\n\n") {
		// "goroutine 18 [chan receive]:"
		rest, ok := strings.CutPrefix(stack, "goroutine ")
		if !ok || ignoredStack(stack) {
			continue
		}
		idText, _, _ := strings.Cut(rest, " ")
		id, err := strconv.ParseUint(idText, 10, 64)
		if err != nil {
			continue
		}
		out[id] = stack
	}
	return out
}

func allStacks() string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

// ignoredStack reports goroutines that are not the tests' doing.
func ignoredStack(stack string) bool {
	for _, s := range []string{
		"leakcheck.goroutineStacks", // the caller
		"testing.(*M).",             // the test runner's main goroutine
		"testing.tRunner(",          // every test's own goroutine
		"testing.runTests",
		"testing.runFuzzing",
		"testing.(*F).",
		"os/signal.signal_recv", // signal.Notify's loop
		"os/signal.loop",
		"runtime.ensureSigM",
		"created by runtime.", // the runtime's own helpers
		"created by unique.",
		"runtime/trace.",
		"main.main(", // the test binary's main, blocked in m.Run
	} {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return false
}

// Grace is how long Main lets goroutines finish after the last test:
// connections and timers wind down asynchronously.
const Grace = 10 * time.Second

// Main runs the tests, then fails the run if any goroutine the tests
// started is still running after Grace. Use it as
// os.Exit(leakcheck.Main(m)).
func Main(m *testing.M) int {
	before := Snapshot()
	code := m.Run()
	if code != 0 {
		return code
	}
	if err := Check(before, Grace); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
