package lock

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
)

// Kinds of contender, the prefix of their nodes' names.
const (
	mutexKind = "lock-"
	readKind  = "read-"
	writeKind = "write-"
	leaseKind = "lease-"
)

// A rule names the contender that q[i] must wait for: the index of the node
// whose deletion it watches, or -1 when q[i] holds the lock.
type rule func(q []child, i int) int

// exclusive: wait for the contender just ahead, whatever its kind.
func exclusive(q []child, i int) int { return i - 1 }

// shared: wait for the nearest contender ahead that is not a reader.
func shared(q []child, i int) int {
	for j := i - 1; j >= 0; j-- {
		if q[j].kind != readKind {
			return j
		}
	}
	return -1
}

// Mutex is a distributed mutual-exclusion lock on a ZooKeeper node: one
// contender, which may hold the lock or wait for it. Contenders queue as
// ephemeral sequential children of the lock node, and each waiter watches
// only the contender just ahead of it.
//
// A Mutex is not re-entrant: Lock or TryLock on a Mutex that holds the
// lock (or is acquiring it) fails with ErrBusy. Use one Mutex per goroutine
// that contends; many may share one Client. Its methods are safe for
// concurrent use.
//
// The lock is held for as long as the node lives, that is until Unlock,
// the session's expiry or Close, or someone deleting the node; connection
// loss alone does not end it. Lost says when it ends other than by Unlock.
type Mutex struct {
	c    Client
	path string
	kind string
	rule rule
	opts options

	mu   sync.Mutex
	busy bool     // guarded by mu: acquiring or held
	held *holding // guarded by mu: nil unless held
}

// NewMutex returns a Mutex on the lock node at path (created, as a
// container, when first needed). Nothing is sent until Lock or TryLock.
func NewMutex(c Client, path string, opts ...Option) *Mutex {
	return newMutex(c, path, mutexKind, exclusive, opts)
}

func newMutex(c Client, path, kind string, r rule, opts []Option) *Mutex {
	return &Mutex{c: c, path: path, kind: kind, rule: r, opts: applyOptions(opts)}
}

// Lock queues up and waits until this contender holds the lock, or ctx
// ends. It survives connection loss. When it fails, ctx included, it
// removes the node it made (even one whose create went unanswered) before
// returning; if the server cannot be reached within 10 s for that, the node
// goes when the session ends. It fails with ErrLost if the node vanished
// while waiting (see ErrLost) and with zk.ErrSessionExpired on an expired
// client.
func (m *Mutex) Lock(ctx context.Context) error { return m.acquire(ctx, true) }

// TryLock takes the lock if no contender holds it or is queued ahead, and
// fails with ErrLocked otherwise, leaving no node behind.
func (m *Mutex) TryLock(ctx context.Context) error { return m.acquire(ctx, false) }

func (m *Mutex) acquire(ctx context.Context, wait bool) error {
	if ctx == nil {
		return fmt.Errorf("lock %q: %w: nil context", m.path, zk.ErrInvalidArgument)
	}
	if err := validDir(m.path); err != nil {
		return err
	}
	m.mu.Lock()
	if m.busy {
		m.mu.Unlock()
		return ErrBusy
	}
	m.busy = true
	m.mu.Unlock()
	h, err := m.take(ctx, wait)
	m.mu.Lock()
	m.held, m.busy = h, h != nil
	m.mu.Unlock()
	return err
}

// take creates this contender's node and waits for its turn.
func (m *Mutex) take(ctx context.Context, wait bool) (*holding, error) {
	// Subscribe first, so that the holder hears of an expiry that happens
	// between the create and the start of its monitor.
	evCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	events := m.c.SessionEvents(evCtx)
	node, st, err := createNode(ctx, m.c, m.path, m.kind, m.opts)
	if err != nil {
		cancel()
		return nil, err
	}
	if err := m.waitTurn(ctx, node, wait); err != nil {
		cancel()
		if !errors.Is(err, ErrLost) {
			_ = removeNode(ctx, m.c, node)
		}
		return nil, err
	}
	return hold(evCtx, cancel, m.c, node, st, events), nil
}

// waitTurn returns once node is first by the Mutex's rule, watching only
// the contender it waits for.
func (m *Mutex) waitTurn(ctx context.Context, node string, wait bool) error {
	name := base(node)
	var retries backoff.Counter
	for {
		names, _, err := m.c.Children(ctx, m.path)
		if retries.Retry(ctx, err) {
			continue
		}
		switch {
		case errors.Is(err, zk.ErrNoNode):
			return fmt.Errorf("%w: %s", ErrLost, node)
		case err != nil:
			return err
		}
		q := queue(names)
		i := indexOf(q, name)
		if i < 0 {
			return fmt.Errorf("%w: %s", ErrLost, node)
		}
		j := m.rule(q, i)
		if j < 0 {
			return nil
		}
		if !wait {
			return ErrLocked
		}
		_, _, w, err := m.c.GetW(ctx, m.path+"/"+q[j].name)
		switch {
		case errors.Is(err, zk.ErrNoNode), errors.Is(err, zk.ErrConnectionLoss):
			continue // gone already, or look again
		case err != nil:
			return err
		}
		select {
		case <-w.C:
			// Deleted, changed, or the watch ended (expiry, close): the
			// next listing tells which.
		case <-ctx.Done():
			w.Stop()
			return ctx.Err()
		}
	}
}

// Unlock releases the lock: it deletes the node (retrying after connection
// loss) and closes Lost. It returns nil once the node is gone, whatever
// removed it (a lost lock included: Lost tells that story). If ctx ends
// first, the Mutex still holds the lock and Unlock may be called again. It
// fails with ErrNotLocked when the Mutex does not hold the lock.
func (m *Mutex) Unlock(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("lock %q: %w: nil context", m.path, zk.ErrInvalidArgument)
	}
	h := m.holding()
	if h == nil {
		return ErrNotLocked
	}
	if err := deleteNode(ctx, m.c, h.node); err != nil {
		return err
	}
	h.release()
	m.mu.Lock()
	if m.held == h {
		m.held, m.busy = nil, false
	}
	m.mu.Unlock()
	return nil
}

func (m *Mutex) holding() *holding {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.held
}

// closed is the Lost channel of a Mutex that holds nothing.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Lost returns a channel closed when the lock is no longer known to be
// held: the session that holds it expired or closed, someone deleted the
// node, Unlock released it, or the client stayed disconnected for the
// session timeout (zk.StateLost: the session may have expired). Shorter
// connection loss does not close it. When the
// Mutex does not hold the lock, the channel is closed already. After a
// loss, call Unlock (it succeeds once the node is gone; after StateLost
// with the session alive it deletes the node) before locking again.
//
// Between the server expiring the session and the client hearing of it
// (at its next connection), Lost is still open while another contender may
// hold the lock; Multi and Guard protect writes across that window.
func (m *Mutex) Lost() <-chan struct{} {
	if h := m.holding(); h != nil {
		return h.lost
	}
	return closed
}

// Node returns the path of the held lock node, or "" when not held.
func (m *Mutex) Node() string {
	if h := m.holding(); h != nil {
		return h.node
	}
	return ""
}

// FencingToken returns the zxid that created the held lock node (its
// Czxid), or 0 when not held. Each holding of the lock gets a larger token
// than every holding before it, so a system that remembers the largest
// token it has seen can refuse a stale holder.
func (m *Mutex) FencingToken() int64 {
	if h := m.holding(); h != nil {
		return h.czxid
	}
	return 0
}

// Guard returns an op that makes a zk.Client.Multi fail atomically, with
// zk.ErrNoNode, unless the held lock node still exists: a holder that lost
// the lock cannot apply the transaction. Put it in the transaction with
// the writes it guards. When the Mutex does not hold the lock, it returns
// an op on an invalid path, so the Multi fails with zk.ErrInvalidPath
// before anything is sent.
func (m *Mutex) Guard() zk.Op {
	if h := m.holding(); h != nil {
		return zk.CheckOp(h.node, -1)
	}
	return zk.CheckOp("", -1)
}

// Multi applies ops atomically together with Guard: only while the lock
// node exists. Results are those of ops (without the guard's). If the lock
// node is gone, nothing is applied and the error matches both ErrLost and
// zk.ErrNoNode. It fails with ErrNotLocked, sending nothing, when the Mutex
// does not hold the lock.
func (m *Mutex) Multi(ctx context.Context, ops ...zk.Op) ([]zk.OpResult, error) {
	h := m.holding()
	if h == nil {
		return nil, ErrNotLocked
	}
	return guardedMulti(ctx, m.c, h.node, ops)
}

func guardedMulti(ctx context.Context, c Client, node string, ops []zk.Op) ([]zk.OpResult, error) {
	res, err := c.Multi(ctx, append([]zk.Op{zk.CheckOp(node, -1)}, ops...)...)
	var me *zk.MultiError
	if errors.As(err, &me) && me.Index == 0 {
		err = fmt.Errorf("%w: %w", ErrLost, err)
	}
	if len(res) > 0 {
		res = res[1:]
	}
	return res, err
}
