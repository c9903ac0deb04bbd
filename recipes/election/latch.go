package election

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
	"github.com/zkwire/zk/recipes/internal/lifecycle"
	"github.com/zkwire/zk/recipes/lock"
)

// Client is what a Latch needs of a ZooKeeper client; *zk.Client
// satisfies it.
type Client interface {
	lock.Client
	Get(ctx context.Context, path string) ([]byte, *zk.Stat, error)
}

var _ Client = (*zk.Client)(nil)

var (
	// ErrStarted: Start on a Latch that was started before.
	ErrStarted = errors.New("election: latch already started")
	// ErrNotLeader: StepDown on a candidate that does not lead.
	ErrNotLeader = errors.New("election: not the leader")
	// ErrNoLeader: LeaderID found no candidate.
	ErrNoLeader = errors.New("election: no leader")
)

// releaseTimeout bounds how long giving up a node may take once the
// campaign's context has ended; past it the node goes with the session.
const releaseTimeout = 10 * time.Second

// Latch is one candidate in a leader election on a path. Start it, then
// follow IsLeader, Leader or Changes; Close leaves the election. Its
// methods are safe for concurrent use.
type Latch struct {
	c    Client
	path string
	id   string
	m    *lock.Mutex
	ch   *changes

	mu       sync.Mutex
	started  bool               // guarded by mu
	leader   bool               // guarded by mu
	elected  chan struct{}      // guarded by mu: closed while leader
	err      error              // guarded by mu: why the campaign ended by itself
	cancel   context.CancelFunc // guarded by mu
	stepDown chan chan struct{}
	done     chan struct{} // closed when the campaign has ended
}

// NewLatch returns a candidate with this id (stored in its node, see
// LeaderID) for the election on path. Nothing is sent until Start.
func NewLatch(c Client, path, id string) *Latch {
	return &Latch{
		c: c, path: path, id: id,
		m:        lock.NewMutex(c, path, lock.WithData([]byte(id))),
		ch:       newChanges(),
		elected:  make(chan struct{}),
		stepDown: make(chan chan struct{}),
		done:     make(chan struct{}),
	}
}

// Start enters the election and returns at once; the candidate campaigns
// in the background until ctx ends or Close. It survives connection loss,
// and, on a client built with zk.WithNewSessionOnExpiry, session expiry
// (it stands again in the new session). The campaign ends by itself only
// when the client can no longer act (closed, expired for good, failed
// authentication): Done closes and Err says why. A bad path, a nil ctx or
// a second Start fail before anything is sent.
func (l *Latch) Start(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("election %q: %w: nil context", l.path, zk.ErrInvalidArgument)
	}
	if l.path == "/" {
		return fmt.Errorf("election %q: %w: the root cannot hold an election", l.path, zk.ErrInvalidPath)
	}
	if err := zk.ValidatePath(l.path, false); err != nil {
		return fmt.Errorf("election %q: %w", l.path, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started {
		return ErrStarted
	}
	l.started = true
	ctx, l.cancel = context.WithCancel(ctx)
	l.ch.start()
	go l.campaign(ctx)
	return nil
}

// Close leaves the election: a leader gives up leadership (Changes gets a
// false first), the candidate's node is deleted, and Close returns once
// the campaign has ended. Changes is closed; changes nobody read by then
// are dropped. Close is idempotent and may be called without Start.
func (l *Latch) Close() error {
	l.mu.Lock()
	started, cancel := l.started, l.cancel
	l.started = true // no Start after Close
	l.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if started && cancel != nil {
		<-l.done
	}
	l.ch.stop()
	return nil
}

// IsLeader reports whether this candidate leads now.
func (l *Latch) IsLeader() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.leader
}

// Leader returns a channel closed when this candidate leads: already
// closed if it leads now, else closed when it is elected. After it stops
// leading, call Leader again for the next term.
func (l *Latch) Leader() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.elected
}

// Changes delivers every change of leadership, in order: true when this
// candidate is elected, false when it stops leading, for whatever reason.
// None is dropped while the Latch runs (they queue until read). The channel
// is closed when the campaign has ended (after a final false if it was
// leading). There is one such channel per Latch.
func (l *Latch) Changes() <-chan bool { return l.ch.out }

// Done is closed when the campaign has ended: Close, Start's context, or
// a client that can no longer act (see Err).
func (l *Latch) Done() <-chan struct{} { return l.done }

// Err says why the campaign ended by itself (zk.ErrClosed,
// zk.ErrSessionExpired, ...), or nil.
func (l *Latch) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// FencingToken returns the zxid that created the leader's node while this
// candidate leads (larger for every later leader), else 0.
func (l *Latch) FencingToken() int64 { return l.m.FencingToken() }

// Guard returns an op that makes a zk.Client.Multi fail with zk.ErrNoNode
// unless this candidate's leadership node still exists; see lock.Mutex.Guard.
func (l *Latch) Guard() zk.Op { return l.m.Guard() }

// StepDown gives up leadership and stands again at the back of the queue
// (with no other candidate it is elected again). It returns once
// leadership was given up, or ctx ends; ErrNotLeader if it did not lead.
func (l *Latch) StepDown(ctx context.Context) error {
	if !l.IsLeader() {
		return ErrNotLeader
	}
	ack := make(chan struct{})
	select {
	case l.stepDown <- ack:
	case <-l.done:
		return ErrNotLeader
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// LeaderID returns the id of the current leader: the candidate at the head
// of the queue. ErrNoLeader when there is no candidate.
func (l *Latch) LeaderID(ctx context.Context) (string, error) {
	for {
		names, _, err := l.c.Children(ctx, l.path)
		if errors.Is(err, zk.ErrNoNode) {
			return "", ErrNoLeader
		}
		if err != nil {
			return "", err
		}
		first, ok := head(names)
		if !ok {
			return "", ErrNoLeader
		}
		data, _, err := l.c.Get(ctx, l.path+"/"+first)
		if errors.Is(err, zk.ErrNoNode) {
			continue // it just left: look again
		}
		if err != nil {
			return "", err
		}
		return string(data), nil
	}
}

// head returns the child with the lowest sequence suffix.
func head(names []string) (string, bool) {
	type cand struct {
		name string
		seq  int64
	}
	var cs []cand
	for _, n := range names {
		if len(n) < 10 {
			continue
		}
		if s, err := strconv.ParseInt(n[len(n)-10:], 10, 64); err == nil && s >= 0 {
			cs = append(cs, cand{n, s})
		}
	}
	if len(cs) == 0 {
		return "", false
	}
	return slices.MinFunc(cs, func(a, b cand) int { return cmp.Compare(a.seq, b.seq) }).name, true
}

// campaign stands for election until ctx ends or the client can no longer
// act.
func (l *Latch) campaign(ctx context.Context) {
	defer close(l.done)
	defer l.ch.end()
	// The subscription closes when the client can no longer act, which is
	// how the campaign tells a lasting failure from a passing one.
	evCtx, cancelEv := context.WithCancel(context.Background())
	defer cancelEv()
	events := l.c.SessionEvents(evCtx)
	var retries backoff.Counter
	ended := false // the subscription closed: the client can no longer act
	for {
		if l.m.Node() != "" {
			l.release(ctx) // a release that failed before: try again
		}
		err := l.m.Lock(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			ended = ended || over(events)
			if ended || lifecycle.Terminal(err) {
				l.fail(err)
				return
			}
			// Expired with a new session coming, or the node was deleted
			// while waiting: stand again shortly.
			if !retries.Wait(ctx) {
				return
			}
			continue
		}
		retries.Reset()
		l.setLeader(true)
		var ack chan struct{}
		for waiting := true; waiting; {
			select {
			case <-l.m.Lost():
				waiting = false
			case ack = <-l.stepDown:
				waiting = false
			case <-ctx.Done():
				waiting = false
			case _, ok := <-events:
				if !ok {
					events = nil // the client ended: Lost closes too
					ended = true
				}
			}
		}
		l.setLeader(false)
		l.release(ctx)
		if ack != nil {
			close(ack)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// release deletes the leadership node (gone already if leadership was
// lost), on a context of its own since ctx may have ended.
func (l *Latch) release(ctx context.Context) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	_ = l.m.Unlock(rctx)
}

// over drains the pending session events and reports whether the
// subscription has closed: the client can no longer act.
func over(events <-chan zk.SessionEvent) bool {
	if events == nil {
		return false
	}
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return true
			}
		default:
			return false
		}
	}
}

func (l *Latch) setLeader(v bool) {
	l.mu.Lock()
	if l.leader == v {
		l.mu.Unlock()
		return
	}
	l.leader = v
	if v {
		close(l.elected)
	} else {
		l.elected = make(chan struct{})
	}
	l.mu.Unlock()
	l.ch.push(v)
}

func (l *Latch) fail(err error) {
	l.mu.Lock()
	l.err = err
	l.mu.Unlock()
}
