package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/zkwire/zk"
)

// opDeadline bounds every workload call.
const opDeadline = 10 * time.Second

func groupDir(g int) string         { return fmt.Sprintf("/chaos/g%02d", g) }
func keyPath(g, i int) string       { return groupDir(g) + "/" + string(rune('a'+i)) }
func writeVal(proc, seq int) string { return fmt.Sprintf("p%d-%d", proc, seq) }

// multiControl lets the fault schedule make the writers send only multis
// and see how many are in flight (a leader kill during multis).
type multiControl struct {
	only     atomic.Bool
	inFlight atomic.Int32
	sent     atomic.Int64
}

// writer is one goroutine of register calls on a shared client. Every
// write is conditional on what this writer last saw of the key; after a
// failed or unknown write it reads the group again (plainly or synced).
type writer struct {
	c      *zk.Client
	proc   int
	groups int
	tr     *tracker
	h      *history
	bug    *seededBugs
	multi  *multiControl
	rng    *rand.Rand
	seq    int
	dl     time.Duration // each call's deadline; 0: flakyDeadline or shorter
	known  []bool
	state  [][2]keyVal
}

func newWriter(c *zk.Client, proc, groups int, dl time.Duration, tr *tracker, h *history, bug *seededBugs, mc *multiControl) *writer {
	return &writer{c: c, proc: proc, groups: groups, dl: dl, tr: tr, h: h, bug: bug, multi: mc,
		rng: rand.New(rand.NewPCG(uint64(proc), 1)), known: make([]bool, groups), state: make([][2]keyVal, groups)}
}

// run steps until stop. A steady writer (a long deadline) takes at least
// steadyStep per step, so that on a fast machine its writes do not drown
// the flaky client's unknown outcomes.
func (w *writer) run(stop <-chan struct{}) {
	for {
		start := time.Now()
		w.step()
		wait := time.Duration(0)
		if w.dl != 0 {
			wait = steadyStep - time.Since(start)
		}
		select {
		case <-stop:
			return
		case <-time.After(max(wait, 0)):
		}
	}
}

func (w *writer) step() {
	g := w.rng.IntN(w.groups)
	if !w.known[g] || w.rng.IntN(8) == 0 {
		w.read(g, w.rng.IntN(2) == 0)
		return
	}
	w.seq++
	o := hop{group: g, proc: w.proc}
	s := w.state[g]
	cond := func(i int) int32 {
		if !s[i].exists {
			return -1
		}
		return s[i].version
	}
	if w.multi.only.Load() || w.rng.IntN(5) == 0 {
		o.kind = opMulti
		var ops []zk.Op
		for i := range 2 {
			o.val[i], o.ver[i] = writeVal(w.proc, w.seq)+string(rune('a'+i)), cond(i)
			if o.ver[i] < 0 {
				ops = append(ops, zk.CreateOp(keyPath(g, i), []byte(o.val[i]), zk.Persistent, zk.WorldACL(zk.PermAll)))
			} else {
				ops = append(ops, zk.SetOp(keyPath(g, i), []byte(o.val[i]), o.ver[i]))
			}
		}
		w.multi.inFlight.Add(1)
		w.multi.sent.Add(1)
		var res []zk.OpResult
		err := w.do(&o, "multi", func(ctx context.Context) error {
			var err error
			res, err = w.c.Multi(ctx, ops...)
			return err
		})
		w.multi.inFlight.Add(-1)
		if err == nil {
			var mz int64
			for _, r := range res {
				if r.Stat != nil {
					mz = r.Stat.Mzxid
				}
			}
			for i := range 2 {
				o.read[i] = keyVal{exists: true, val: o.val[i], mzxid: mz}
				if o.ver[i] >= 0 {
					o.read[i].version = o.ver[i] + 1
				}
			}
		}
		w.finish(o, err)
		return
	}
	i := w.rng.IntN(2)
	o.key = i
	p := keyPath(g, i)
	val := writeVal(w.proc, w.seq)
	o.val[i], o.ver[i] = val, cond(i)
	var err error
	switch {
	case !s[i].exists:
		o.kind = opCreate
		err = w.do(&o, "create "+p, func(ctx context.Context) error {
			_, st, err := w.c.CreateWithStat(ctx, p, []byte(val), zk.Persistent, zk.WorldACL(zk.PermAll))
			if err == nil {
				o.read[i] = keyVal{exists: true, val: val, mzxid: st.Mzxid}
			}
			return err
		})
	case w.rng.IntN(5) == 0:
		o.kind = opDelete
		err = w.do(&o, "delete "+p, func(ctx context.Context) error { return w.c.Delete(ctx, p, o.ver[i]) })
		if err == nil {
			o.read[i] = keyVal{}
		}
	default:
		o.kind = opSet
		if w.bug.fakeAck() {
			// Seeded bug: acknowledged, never sent.
			o.call = w.h.now()
			o.read[i] = keyVal{exists: true, version: o.ver[i] + 1, val: val}
			o.ret, o.session = w.h.now(), w.c.SessionID()
			w.finish(o, nil)
			return
		}
		err = w.do(&o, "set "+p, func(ctx context.Context) error {
			st, err := w.c.Set(ctx, p, []byte(val), o.ver[i])
			if err == nil {
				o.read[i] = keyVal{exists: true, version: st.Version, val: val, mzxid: st.Mzxid}
			}
			return err
		})
	}
	w.finish(o, err)
}

// do runs one call, timing it into o.
func (w *writer) do(o *hop, what string, f func(ctx context.Context) error) error {
	o.call = w.h.now()
	dl := w.dl
	if dl == 0 && (o.kind == opRead || o.kind == opSyncRead) {
		dl = opDeadline // reads only find out what writes did
	}
	if dl == 0 {
		// From about the round trip's time up: some calls end while
		// their request is in flight.
		dl = flakyDeadline/6 + time.Duration(w.rng.Int64N(int64(flakyDeadline*5/6)))
	}
	err := w.tr.call(dl, what, f)
	o.ret = w.h.now()
	o.session = w.c.SessionID()
	return err
}

// finish records o and updates what the writer knows of its group.
func (w *writer) finish(o hop, err error) {
	o.out = classify(err)
	w.h.add(o)
	if o.kind != opRead && o.kind != opSyncRead {
		w.tr.write(o.out == outUnknown, w.dl == 0)
	}
	if o.out == outUnknown && w.dl == 0 && o.kind != opRead && o.kind != opSyncRead {
		// The flaky writer guesses the write was applied and goes on
		// writing (a wrong guess fails with bad version, and it reads):
		// so its writes, not its reads, meet its faults.
		w.guessApplied(o)
		return
	}
	switch o.out {
	case outOK:
		if o.kind == opMulti {
			w.state[o.group] = o.read
		} else {
			w.state[o.group][o.key] = o.read[o.key]
		}
	default:
		w.known[o.group] = false
		if o.out == outUnknown && !errors.Is(err, zk.ErrClosed) {
			time.Sleep(20 * time.Millisecond) // do not spin while the session is down
		}
	}
}

// guessApplied updates the writer's belief as if o had been applied.
func (w *writer) guessApplied(o hop) {
	s := &w.state[o.group]
	next := func(i int) keyVal {
		if o.ver[i] < 0 || o.kind == opCreate {
			return keyVal{exists: true, val: o.val[i]}
		}
		return keyVal{exists: true, version: o.ver[i] + 1, val: o.val[i]}
	}
	switch o.kind {
	case opMulti:
		s[0], s[1] = next(0), next(1)
	case opDelete:
		s[o.key] = keyVal{}
	default:
		s[o.key] = next(o.key)
	}
}

// read reads both keys of group g with one MultiRead, after a Sync if
// synced.
func (w *writer) read(g int, synced bool) {
	o := hop{group: g, proc: w.proc, kind: opRead}
	if synced {
		o.kind = opSyncRead
	}
	var res []zk.ReadResult
	err := w.do(&o, o.kind.String()+" "+groupDir(g), func(ctx context.Context) error {
		if synced {
			if err := w.c.Sync(ctx, groupDir(g)); err != nil {
				return err
			}
		}
		var err error
		res, err = w.c.MultiRead(ctx, zk.GetOp(keyPath(g, 0)), zk.GetOp(keyPath(g, 1)))
		return err
	})
	if err == nil {
		for i, r := range res {
			switch {
			case r.Err == nil:
				o.read[i] = keyVal{exists: true, version: r.Stat.Version, val: string(r.Data), mzxid: r.Stat.Mzxid}
			case errors.Is(r.Err, zk.ErrNoNode):
			default:
				err = r.Err
			}
		}
	}
	o.out = classify(err)
	if o.out == outFailed {
		o.out = outUnknown // a read fails only with a transport error or the like
	}
	w.h.add(o)
	if o.out == outOK {
		w.known[g], w.state[g] = true, o.read
	} else if !errors.Is(err, zk.ErrClosed) {
		time.Sleep(20 * time.Millisecond)
	}
}

// classify sorts a write's error: nothing applied (exists, no node, bad
// version), or unknown.
func classify(err error) outcome {
	switch {
	case err == nil:
		return outOK
	case errors.Is(err, zk.ErrNodeExists), errors.Is(err, zk.ErrNoNode), errors.Is(err, zk.ErrBadVersion):
		return outFailed
	default:
		return outUnknown
	}
}
