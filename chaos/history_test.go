package chaos

import (
	"sync"
	"time"
)

// The history is every call the writers made on a register key: what was
// asked, what came back (or that the outcome is unknown), when, by which
// goroutine on which session. The linearizability check and the read
// checker (model_test.go) run on it after the run.

type opKind int

const (
	opCreate   opKind = iota // create key with val; expects it absent
	opSet                    // set key to val if its version is ver
	opDelete                 // delete key if its version is ver
	opMulti                  // per key of a group: create (ver -1) or set at ver, all or nothing
	opRead                   // plain read of a group's keys (MultiRead): sequentially consistent
	opSyncRead               // Sync, then a read of a group's keys: linearizable
)

func (k opKind) String() string {
	return [...]string{"create", "set", "delete", "multi", "read", "syncread"}[k]
}

// outcome of a call.
type outcome int

const (
	outOK      outcome = iota
	outFailed          // a definite failure: exists, no node, bad version (nothing applied)
	outUnknown         // connection loss, expiry, deadline: applied or not
)

// keyVal is one key's state as read or written.
type keyVal struct {
	exists  bool
	version int32
	val     string
	mzxid   int64 // of a read or an acknowledged write; 0 if unknown
}

// hop is one call of the history. A single-key op names its key by index
// in the group (0 or 1); multi and reads cover both keys.
type hop struct {
	group   int
	kind    opKind
	key     int       // create, set, delete
	val     [2]string // create, set, multi: the values written
	ver     [2]int32  // set, delete, multi: the expected versions (multi: -1 = create)
	out     outcome
	read    [2]keyVal // reads: what was read; set, create, multi: the new state
	call    int64     // ns since the run's start
	ret     int64     // ns since the run's start; unknown outcome: never
	proc    int       // the goroutine
	session int64     // the session that answered (0: unknown)
}

type history struct {
	start time.Time
	mu    sync.Mutex
	ops   []hop // guarded by mu
}

func newHistory() *history { return &history{start: time.Now()} }

func (h *history) now() int64 { return int64(time.Since(h.start)) }

func (h *history) add(o hop) {
	h.mu.Lock()
	h.ops = append(h.ops, o)
	h.mu.Unlock()
}

func (h *history) all() []hop {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hop(nil), h.ops...)
}
