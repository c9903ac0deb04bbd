package chaos

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/lock"
	"github.com/zkwire/zk/zktest"
)

const (
	lockPath   = "/chaos/lock"
	lockMarker = "/chaos/lockmark"
)

// lockers contend for one lock.Mutex: four goroutines on two clients, and
// a victim on a client of its own that the fault schedule partitions
// while it holds the lock, past its session timeout.
//
// Overlap is checked twice, when it happens:
//   - in the process: each holder adds one to inside when it starts acting
//     as holder and takes it away when it stops; two at once is a
//     violation. A holder stops acting as soon as its client is not
//     connected or the lock is lost (the client must notice a partition
//     before the server can expire the session and hand the lock on).
//   - on the server: each holder writes the marker node "in:<id>" through
//     the lock's fence (a Multi with the lock's Guard), remembers the
//     version, and at exit writes "out:<id>" checked against that version:
//     ErrBadVersion means someone wrote the marker while it held the lock.
//     The victim, after its partition heals, still writes its exit mark
//     (unconditionally, as a late writer would) through the fence, which
//     must stop it.
type lockers struct {
	clients []*proxied
	victim  *proxied
	tr      *tracker
	bug     *seededBugs

	inside atomic.Int32 // holders acting now

	mu         sync.Mutex
	holds      int    // times a holder entered; guarded by mu
	overlaps   int    // guarded by mu
	fencedLate int    // late writes the fence stopped; guarded by mu
	holder     string // who is inside, for reports; guarded by mu
}

func startLockers(t *testing.T, ens *zktest.Ensemble, tr *tracker, bug *seededBugs, stop <-chan struct{}, wg *sync.WaitGroup) *lockers {
	t.Helper()
	l := &lockers{tr: tr, bug: bug}
	for range 2 {
		l.clients = append(l.clients, dialProxied(t, ens))
	}
	l.victim = dialProxied(t, ens)
	for i := range 4 {
		p := l.clients[i%2]
		m := lock.NewMutex(p.c, lockPath)
		wg.Add(1)
		go func() { defer wg.Done(); l.contend(fmt.Sprintf("h%d", i), m, p, stop) }()
	}
	return l
}

func (l *lockers) contend(id string, m *lock.Mutex, p *proxied, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if err := l.tr.call(20*time.Second, "lock", m.Lock); err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		l.hold(id, m, p, 50*time.Millisecond, nil)
		l.tr.call(opDeadline, "unlock", m.Unlock)
	}
}

// hold acts as the holder for d, or until its client is not connected or
// the lock is lost. held, if not nil, is closed once it is inside.
func (l *lockers) hold(id string, m *lock.Mutex, p *proxied, d time.Duration, held chan<- struct{}) (suspended bool) {
	guard := m.Guard()
	l.enter(id)
	var vIn int32
	err := l.tr.call(opDeadline, "marker in", func(ctx context.Context) error {
		res, err := l.fenced(ctx, p.c, guard, zk.SetOp(lockMarker, []byte("in:"+id), -1))
		if err == nil {
			vIn = res[len(res)-1].Stat.Version
		}
		return err
	})
	if err != nil {
		l.exit()
		return false
	}
	if held != nil {
		close(held)
	}
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if closed(m.Lost()) || p.c.State() != zk.StateConnected {
			l.exit()
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	err = l.tr.call(opDeadline, "marker out", func(ctx context.Context) error {
		_, err := l.fenced(ctx, p.c, guard, zk.CheckOp(lockMarker, vIn), zk.SetOp(lockMarker, []byte("out:"+id), -1))
		return err
	})
	var me *zk.MultiError
	if errors.As(err, &me) && me.Op == "check" && me.Path == lockMarker {
		l.tr.violate("lock: the marker moved under holder %s (it wrote version %d): another holder wrote it meanwhile", id, vIn)
	}
	l.exit()
	return false
}

// fenced runs ops in a Multi guarded by the lock (the seeded no-fence bug
// leaves the guard out).
func (l *lockers) fenced(ctx context.Context, c *zk.Client, guard zk.Op, ops ...zk.Op) ([]zk.OpResult, error) {
	if !l.bug.noFence() {
		ops = append([]zk.Op{guard}, ops...)
	}
	return c.Multi(ctx, ops...)
}

func (l *lockers) enter(id string) {
	n := l.inside.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holds++
	if n > 1 {
		l.overlaps++
		l.tr.violate("lock: %s entered while %s was inside (%d holders at once)", id, l.holder, n)
	}
	l.holder = id
}

func (l *lockers) exit() { l.inside.Add(-1) }

// partitionHolder makes the victim take the lock, black-holes its client
// past the session timeout, heals it, and has the victim write its exit
// mark late, through the fence, while another holder is inside.
func (l *lockers) partitionHolder(t *testing.T, ctx context.Context) {
	t.Helper()
	m := lock.NewMutex(l.victim.c, lockPath)
	if err := l.tr.call(30*time.Second, "victim lock", m.Lock); err != nil {
		t.Fatalf("victim lock: %v", err)
	}
	guard := m.Guard()
	held := make(chan struct{})
	done := make(chan bool, 1)
	go func() { done <- l.hold("victim", m, l.victim, time.Hour, held) }()
	select {
	case <-held:
	case <-ctx.Done():
		t.Fatal("victim never got inside")
	}
	l.tr.fault("partition lock holder")
	old := l.victim.c.SessionID()
	l.victim.blackhole(true)
	var suspended bool
	select {
	case suspended = <-done:
	case <-time.After(sessionTimeout):
		t.Fatal("victim still acting as holder a session timeout into its partition")
	}
	if !suspended {
		t.Fatal("victim stopped holding without noticing the partition")
	}
	time.Sleep(sessionTimeout + 2*time.Second) // the server expires the session
	l.victim.blackhole(false)
	waitNewSession(t, ctx, l.victim.c, old)
	// Late: wait until someone else is inside, then write.
	if err := waitFor(ctx, func() error {
		if l.inside.Load() == 0 {
			return errors.New("no holder inside")
		}
		return nil
	}); err != nil {
		t.Fatalf("no other holder after the victim's partition: %v", err)
	}
	err := l.tr.call(opDeadline, "late marker", func(ctx context.Context) error {
		_, err := l.fenced(ctx, l.victim.c, guard, zk.SetOp(lockMarker, []byte("late:victim"), -1))
		return err
	})
	switch {
	case errors.Is(err, zk.ErrNoNode):
		l.mu.Lock()
		l.fencedLate++
		l.mu.Unlock()
	case err == nil:
		l.tr.note("the victim's late write landed")
	default:
		t.Errorf("victim's late write: %v", err)
	}
	l.tr.call(opDeadline, "victim unlock", m.Unlock)
}

func (l *lockers) cut() {
	for _, p := range l.clients {
		p.cut()
	}
}

// summary is the run line's lock part.
func (l *lockers) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("lock: %d holds, %d overlaps, %d late writes fenced", l.holds, l.overlaps, l.fencedLate)
}

func (l *lockers) close() {
	for _, p := range l.clients {
		p.c.Close()
	}
	l.victim.c.Close()
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
