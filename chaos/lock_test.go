package chaos

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/lock"
	"github.com/zkwire/zk/zktest"
)

const (
	lockPath    = "/chaos/lock"
	lockCounter = "/chaos/lockcount"
)

// lockers contend for one lock.Mutex from two clients, two goroutines
// each. Inside the lock they increment a counter node with a fenced Multi
// (the lock's Guard plus a versioned set): with one holder at a time the
// version never moves under a holder, so ErrBadVersion means two holders.
type lockers struct {
	clients []*proxied
	holders atomic.Int32

	mu       sync.Mutex
	acked    int                     // increments the server acknowledged; guarded by mu
	unknown  int                     // increments whose outcome is unknown; guarded by mu
	overlaps [][2]<-chan struct{}    // Lost channels of holders seen together; guarded by mu
	current  map[int]<-chan struct{} // Lost channel per holding goroutine; guarded by mu
}

func startLockers(t *testing.T, ens *zktest.Ensemble, tr *tracker, stop <-chan struct{}, wg *sync.WaitGroup) *lockers {
	t.Helper()
	l := &lockers{current: map[int]<-chan struct{}{}}
	for range 2 {
		l.clients = append(l.clients, dialProxied(t, ens))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := l.clients[0].c.Create(ctx, lockCounter, []byte("0"), zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		m := lock.NewMutex(l.clients[i%2].c, lockPath)
		wg.Add(1)
		go func() { defer wg.Done(); l.contend(i, m, l.clients[i%2].c, tr, stop) }()
	}
	return l
}

func (l *lockers) contend(id int, m *lock.Mutex, c *zk.Client, tr *tracker, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if err := tr.call(20*time.Second, "lock", m.Lock); err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		l.enter(id, m.Lost())
		l.increment(m, c, tr)
		l.exit(id)
		tr.call(opDeadline, "unlock", m.Unlock)
	}
}

func (l *lockers) enter(id int, lost <-chan struct{}) {
	l.holders.Add(1)
	l.mu.Lock()
	for _, other := range l.current {
		l.overlaps = append(l.overlaps, [2]<-chan struct{}{other, lost})
	}
	l.current[id] = lost
	l.mu.Unlock()
}

func (l *lockers) exit(id int) {
	l.mu.Lock()
	delete(l.current, id)
	l.mu.Unlock()
	l.holders.Add(-1)
}

// increment adds one to the counter node, fenced by the lock.
func (l *lockers) increment(m *lock.Mutex, c *zk.Client, tr *tracker) {
	var data []byte
	var stat *zk.Stat
	if err := tr.call(opDeadline, "get "+lockCounter, func(ctx context.Context) error {
		var err error
		data, stat, err = c.Get(ctx, lockCounter)
		return err
	}); err != nil {
		return
	}
	n, err := strconv.Atoi(string(data))
	if err != nil {
		tr.violate("counter holds %q", data)
		return
	}
	err = tr.call(opDeadline, "fenced set", func(ctx context.Context) error {
		_, err := m.Multi(ctx, zk.SetOp(lockCounter, []byte(strconv.Itoa(n+1)), stat.Version))
		return err
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err == nil:
		l.acked++
	case errors.Is(err, zk.ErrBadVersion):
		tr.violate("fenced increment met a version moved by another holder (two holders at once)")
	case errors.Is(err, zk.ErrNoNode), errors.Is(err, lock.ErrLost):
		// The lock was lost (expiry): the guard stopped the write.
	default:
		l.unknown++
	}
}

func (l *lockers) cut() {
	for _, p := range l.clients {
		p.cut()
	}
}

// expire expires the first lock client's session from outside.
func (l *lockers) expire(ctx context.Context, t *testing.T, ens *zktest.Ensemble) {
	t.Helper()
	c := l.clients[0].c
	old := c.SessionID()
	if err := zktest.ExpireSession(ctx, ens.Addrs()[0], old, c.SessionPassword()); err != nil {
		t.Fatalf("expire lock client: %v", err)
	}
	waitNewSession(t, ctx, c, old)
}

// verify checks the counter against the acknowledged increments, and that
// any two holders seen at once include one that had lost the lock.
func (l *lockers) verify(ctx context.Context, checker *zk.Client, tr *tracker) {
	l.mu.Lock()
	defer l.mu.Unlock()
	data, _, err := checker.Get(ctx, lockCounter)
	if err != nil {
		tr.violate("read %s: %v", lockCounter, err)
		return
	}
	n, _ := strconv.Atoi(string(data))
	if n < l.acked || n > l.acked+l.unknown {
		tr.violate("lock counter is %d; acknowledged %d, unknown %d", n, l.acked, l.unknown)
	}
	if l.acked == 0 {
		tr.violate("no fenced increment succeeded")
	}
	for _, o := range l.overlaps {
		if !closed(o[0]) && !closed(o[1]) {
			tr.violate("two holders at once, neither had lost the lock")
		}
	}
	tr.note(fmt.Sprintf("lock: %d increments", l.acked))
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func (l *lockers) close() {
	for _, p := range l.clients {
		p.c.Close()
	}
}
