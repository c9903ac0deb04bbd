package zk

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/zkwire/zk/recipes/lock"
)

var (
	// ErrDeadlock is returned by Lock when trying to lock twice without unlocking first
	ErrDeadlock = errors.New("zk: trying to acquire a lock twice")
	// ErrNotLocked is returned by Unlock when trying to release a lock that has not first be acquired.
	ErrNotLocked = errors.New("zk: not locked")
)

// Lock is a mutual exclusion lock, built on zkwire's recipes/lock.Mutex.
// Its nodes are named as go-zookeeper's ("_c_<id>-lock-<sequence>"), so a
// Lock of this package and one of go-zookeeper on the same path exclude
// each other. Unlike go-zookeeper's, a Lock that fails or gives up removes
// its node.
type Lock struct {
	c    *Conn
	path string
	acl  []ACL

	mu   sync.Mutex
	busy bool        // locked or being locked; guarded by mu
	m    *lock.Mutex // the held lock; guarded by mu
}

// NewLock creates a new lock instance using the provided connection, path, and acl.
// The path must be a node that is only used by this lock. A lock instances starts
// unlocked until Lock() is called.
func NewLock(c *Conn, path string, acl []ACL) *Lock {
	return &Lock{c: c, path: path, acl: acl}
}

// parseSeq returns the sequence number at the end of a lock node's name
// ("..._c_<id>-lock-0000000003", or the Python client's "...__lock__3").
func parseSeq(path string) (int, error) {
	if i := strings.LastIndex(path, "lock-"); i >= 0 {
		return strconv.Atoi(path[i+len("lock-"):])
	}
	if i := strings.LastIndex(path, "__"); i >= 0 {
		return strconv.Atoi(path[i+len("__"):])
	}
	return strconv.Atoi(path)
}

// Lock attempts to acquire the lock. It works like LockWithData, but it doesn't
// write any data to the lock node.
func (l *Lock) Lock() error {
	return l.LockWithData([]byte{})
}

// LockWithData attempts to acquire the lock, writing data into the lock node.
// It will wait to return until the lock is acquired or an error occurs. If
// this instance already has the lock then ErrDeadlock is returned.
func (l *Lock) LockWithData(data []byte) error {
	return l.lock(context.Background(), data)
}

// LockContext is Lock that gives up when ctx ends, removing its node, and
// returns ctx's error.
func (l *Lock) LockContext(ctx context.Context) error {
	return l.lock(ctx, []byte{})
}

func (l *Lock) lock(ctx context.Context, data []byte) error {
	l.mu.Lock()
	if l.busy {
		l.mu.Unlock()
		return ErrDeadlock
	}
	l.busy = true
	l.mu.Unlock()
	if err := validatePath(l.path, false); err != nil {
		l.release(nil)
		return err
	}
	m := lock.NewMutex(l.c.client, l.path, lock.WithACL(toRootACL(l.acl)), lock.WithData(data))
	err := l.c.call(func(cctx context.Context) error {
		merged, cancel := mergeContexts(ctx, cctx)
		defer cancel()
		return m.Lock(merged)
	})
	if err != nil {
		l.release(nil)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	l.release(m)
	return nil
}

// release records the outcome of a lock attempt: m held, or nothing.
func (l *Lock) release(m *lock.Mutex) {
	l.mu.Lock()
	l.m, l.busy = m, m != nil
	l.mu.Unlock()
}

// Unlock releases an acquired lock. If the lock is not currently acquired by
// this Lock instance than ErrNotLocked is returned.
func (l *Lock) Unlock() error {
	l.mu.Lock()
	m := l.m
	l.mu.Unlock()
	if m == nil {
		return ErrNotLocked
	}
	err := l.c.call(func(ctx context.Context) error { return m.Unlock(ctx) })
	if err == nil || err == ErrNoNode {
		// Released, or already gone (deleted, or its session expired):
		// either way this Lock may be locked again.
		l.release(nil)
	}
	return err
}

// mergeContexts returns a context that ends when either a or b does.
func mergeContexts(a, b context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(b)
	stop := context.AfterFunc(a, func() { cancel(context.Cause(a)) })
	return ctx, func() { stop(); cancel(nil) }
}
