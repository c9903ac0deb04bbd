package zktest

import (
	"time"

	"github.com/zkwire/zk/internal/leakcheck"
)

// Goroutines is a snapshot of the running goroutines, for CheckGoroutines.
type Goroutines = leakcheck.Goroutines

// SnapshotGoroutines records the goroutines running now.
func SnapshotGoroutines() Goroutines { return leakcheck.Snapshot() }

// CheckGoroutines waits up to grace for the goroutines started since before
// to end, and returns an error with the stacks of those still running.
// Goroutines are told apart by id, so one that existed before counts as old
// wherever it is blocked now. Goroutines of the runtime and of package
// testing do not count; tests running in parallel with the check do, so use
// it from TestMain (Main does) or from tests that are not parallel.
func CheckGoroutines(before Goroutines, grace time.Duration) error {
	return leakcheck.Check(before, grace)
}
