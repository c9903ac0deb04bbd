package chaos

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/lock"
)

// callSlack is how much longer than its deadline a call may take to
// return: the time to notice the context and unwind, on a loaded machine.
const callSlack = 2 * time.Second

// tracker counts the workload's calls by outcome and remembers the
// violations the checkers report, the first a call that outlived its
// deadline.
type tracker struct {
	mu         sync.Mutex
	ops        int
	byKind     map[string]int
	violations []string
	faults     []string
	notes      []string
	others     []string // the first few errors of kind "other", for the log
	writes     int      // register writes
	unknown    int      // register writes whose outcome is unknown
	flaky      [2]int   // the flaky client's writes, unknown outcomes
}

// write counts a register write and whether its outcome is unknown.
func (tr *tracker) write(unknown, flaky bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.writes++
	if flaky {
		tr.flaky[0]++
	}
	if unknown {
		tr.unknown++
		if flaky {
			tr.flaky[1]++
		}
	}
}

func newTracker() *tracker { return &tracker{byKind: map[string]int{}} }

// call runs f with a deadline d and records how it ended.
func (tr *tracker) call(d time.Duration, what string, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	err := f(ctx)
	took := time.Since(start)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.ops++
	kind := errKind(err)
	tr.byKind[kind]++
	if kind == "other" && len(tr.others) < 5 {
		tr.others = append(tr.others, fmt.Sprintf("%s: %v", what, err))
	}
	if took > d+callSlack {
		tr.violations = append(tr.violations, fmt.Sprintf("%s returned after %v, deadline %v (err %v)", what, took.Round(time.Millisecond), d, err))
	}
	return err
}

func (tr *tracker) violate(format string, args ...any) {
	tr.mu.Lock()
	tr.violations = append(tr.violations, fmt.Sprintf(format, args...))
	tr.mu.Unlock()
}

func (tr *tracker) fault(name string) {
	tr.mu.Lock()
	tr.faults = append(tr.faults, name)
	tr.mu.Unlock()
}

// note adds a figure to the summary.
func (tr *tracker) note(s string) {
	tr.mu.Lock()
	tr.notes = append(tr.notes, s)
	tr.mu.Unlock()
}

// summary is the one line the test prints.
func (tr *tracker) summary() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	kinds := make([]string, 0, len(tr.byKind))
	for k, n := range tr.byKind {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(kinds)
	return fmt.Sprintf("%d faults (%s); %d calls (%s); %d writes, %d unknown outcomes (%.1f%%; the flaky client's: %d of %d); %s; %d violations",
		len(tr.faults), strings.Join(tr.faults, ", "), tr.ops, strings.Join(kinds, " "),
		tr.writes, tr.unknown, 100*float64(tr.unknown)/float64(max(tr.writes, 1)), tr.flaky[1], tr.flaky[0],
		strings.Join(tr.notes, "; "), len(tr.violations))
}

// errKind names an outcome for the summary.
func errKind(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, zk.ErrConnectionLoss):
		return "connloss"
	case errors.Is(err, zk.ErrSessionExpired):
		return "expired"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	case errors.Is(err, zk.ErrNoNode):
		return "nonode"
	case errors.Is(err, zk.ErrNodeExists):
		return "exists"
	case errors.Is(err, zk.ErrBadVersion):
		return "badversion"
	case errors.Is(err, zk.ErrSessionMoved):
		return "moved"
	case errors.Is(err, zk.ErrClosed):
		return "closed"
	case errors.Is(err, lock.ErrLost):
		return "lost"
	default:
		return "other"
	}
}

// outcomeUnknown reports errors after which a write may or may not have
// been applied.
func outcomeUnknown(err error) bool {
	return err != nil && !errors.Is(err, zk.ErrNoNode) && !errors.Is(err, zk.ErrNodeExists) &&
		!errors.Is(err, zk.ErrBadVersion)
}
