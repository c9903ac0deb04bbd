package lock

import "context"

// RWMutex is a distributed readers-writer lock: any number of readers, or
// one writer. Readers and writers queue together under the lock node (as
// "read-" and "write-" nodes) in arrival order. A reader waits only for the
// nearest writer ahead of it; a writer waits for the contender just ahead
// of it, reader or writer. So a writer is never starved by readers that
// arrive after it.
//
// An RWMutex is one reader contender and one writer contender (Reader and
// Writer), each a Mutex with its own Lost, FencingToken and Guard. Locks
// are not re-entrant or upgradeable: an RWMutex that holds the read lock
// and asks for the write lock waits for itself until ctx ends.
type RWMutex struct {
	r, w *Mutex
}

// NewRWMutex returns an RWMutex on the lock node at path. Nothing is sent
// until a lock is asked for. Do not mix RWMutex and Mutex contenders on one
// path: a Mutex ignores the difference between readers and writers.
func NewRWMutex(c Client, path string, opts ...Option) *RWMutex {
	return &RWMutex{
		r: newMutex(c, path, readKind, shared, opts),
		w: newMutex(c, path, writeKind, exclusive, opts),
	}
}

// RLock waits until this contender holds a read lock; see Mutex.Lock.
func (rw *RWMutex) RLock(ctx context.Context) error { return rw.r.Lock(ctx) }

// RUnlock releases the read lock; see Mutex.Unlock.
func (rw *RWMutex) RUnlock(ctx context.Context) error { return rw.r.Unlock(ctx) }

// Lock waits until this contender holds the write lock; see Mutex.Lock.
func (rw *RWMutex) Lock(ctx context.Context) error { return rw.w.Lock(ctx) }

// Unlock releases the write lock; see Mutex.Unlock.
func (rw *RWMutex) Unlock(ctx context.Context) error { return rw.w.Unlock(ctx) }

// Reader returns the read-lock contender, for TryLock, Lost, FencingToken,
// Guard and Multi.
func (rw *RWMutex) Reader() *Mutex { return rw.r }

// Writer returns the write-lock contender, for TryLock, Lost, FencingToken,
// Guard and Multi.
func (rw *RWMutex) Writer() *Mutex { return rw.w }
