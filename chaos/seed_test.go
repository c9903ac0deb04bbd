package chaos

import (
	"os"
	"sync/atomic"
	"testing"

	"github.com/zkwire/zk"
)

// seededBugs puts one bug per checker into the harness (never the
// library), so a run shows that checker firing:
//
//	ZK_CHAOS_SEED_BUG=drop-event  the watcher drops one event of a one-shot watch (as defect 1 lost one)
//	ZK_CHAOS_SEED_BUG=no-fence    lock holders write the marker without the lock's guard
//	ZK_CHAOS_SEED_BUG=fake-ack    a writer reports one set as acknowledged without sending it
type seededBugs struct {
	name    string
	watches atomic.Int64 // one-shot events seen, for drop-event
	sets    atomic.Int64 // sets made, for fake-ack
}

func newSeededBugs(t *testing.T) *seededBugs {
	b := &seededBugs{name: os.Getenv("ZK_CHAOS_SEED_BUG")}
	switch b.name {
	case "", "drop-event", "no-fence", "fake-ack":
	default:
		t.Fatalf("ZK_CHAOS_SEED_BUG=%q: want drop-event, no-fence or fake-ack", b.name)
	}
	if b.name != "" {
		t.Logf("seeded bug: %s (this run must report a violation)", b.name)
	}
	return b
}

// dropEvent: whether to drop this event (the 200th node event of a
// one-shot watch).
func (b *seededBugs) dropEvent(kind string, ev zk.Event) bool {
	if b.name != "drop-event" || kind == "persistent" || kind == "recursive" || ev.Type == zk.EventNone {
		return false
	}
	return b.watches.Add(1) == 200
}

// noFence: whether lock holders skip the guard.
func (b *seededBugs) noFence() bool { return b.name == "no-fence" }

// fakeAck: whether to acknowledge this set without sending it (the 300th).
func (b *seededBugs) fakeAck() bool {
	return b.name == "fake-ack" && b.sets.Add(1) == 300
}
