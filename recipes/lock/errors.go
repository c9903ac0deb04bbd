package lock

import "errors"

var (
	// ErrLocked: TryLock found the lock held (or waited for) by another
	// contender. Nothing was left behind.
	ErrLocked = errors.New("lock: held by another contender")
	// ErrNotLocked: Unlock, Multi or Release on something not held.
	ErrNotLocked = errors.New("lock: not held")
	// ErrBusy: Lock or TryLock on a Mutex that already holds the lock or
	// is acquiring it. Locks are not re-entrant.
	ErrBusy = errors.New("lock: this Mutex already holds or is acquiring the lock (locks are not re-entrant)")
	// ErrLost: the contender's node is gone: its session expired (on a
	// client built with zk.WithNewSessionOnExpiry) or someone deleted it.
	// A guarded Multi that fails because the lock node is gone wraps it
	// too (with zk.ErrNoNode).
	ErrLost = errors.New("lock: the lock node is gone (session expired or node deleted)")
)
