package chaos

import (
	"fmt"
	"math"
	"sort"
)

// The read checker: plain reads and acknowledged writes against the
// transaction logs (the promises are written down in model_test.go).

type interval struct{ lo, hi int64 } // zxids, hi exclusive

// keyHistory is every change of each key, in zxid order.
type keyHistory map[string][]change

func newKeyHistory(txns []txn) keyHistory {
	kh := keyHistory{}
	for _, t := range txns {
		for _, c := range t.changes {
			kh[c.path] = append(kh[c.path], c)
		}
	}
	return kh
}

// states returns the intervals of zxids at which path was in state r, or
// an error when the log never had it in that state.
func (kh keyHistory) states(path string, r keyVal) ([]interval, error) {
	cs := kh[path]
	if !r.exists {
		var out []interval
		lo := int64(0)
		absent := true
		for _, c := range cs {
			switch {
			case c.op == "create" && absent:
				out = append(out, interval{lo, c.zxid})
				absent = false
			case c.op == "delete":
				lo, absent = c.zxid, true
			}
		}
		if absent {
			out = append(out, interval{lo, math.MaxInt64})
		}
		return out, nil
	}
	i := sort.Search(len(cs), func(i int) bool { return cs[i].zxid >= r.mzxid })
	if i == len(cs) || cs[i].zxid != r.mzxid || cs[i].op == "delete" {
		return nil, fmt.Errorf("%s: read %s at mzxid %#x, but no txn in the log wrote it then", path, describeKV(r), r.mzxid)
	}
	// The version: sets since the create before this change.
	ver := int32(0)
	for j := i; j >= 0 && cs[j].op == "set"; j-- {
		ver++
	}
	if cs[i].data != r.val || ver != r.version {
		return nil, fmt.Errorf("%s: read %s at mzxid %#x; the log has %q@%d", path, describeKV(r), r.mzxid, cs[i].data, ver)
	}
	hi := int64(math.MaxInt64)
	if i+1 < len(cs) {
		hi = cs[i+1].zxid
	}
	return []interval{{r.mzxid, hi}}, nil
}

func intersect(a, b []interval) []interval {
	var out []interval
	for _, x := range a {
		for _, y := range b {
			lo, hi := max(x.lo, y.lo), min(x.hi, y.hi)
			if lo < hi {
				out = append(out, interval{lo, hi})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].lo < out[j].lo })
	return out
}

// firstAtLeast returns the smallest zxid >= x in ivs.
func firstAtLeast(ivs []interval, x int64) (int64, bool) {
	for _, iv := range ivs {
		if iv.hi > x {
			return max(iv.lo, x), true
		}
	}
	return 0, false
}

// checkReads checks every goroutine's calls, session by session, in call
// order: each read is a state the log had, each acknowledged write is in
// the log with its value, and the zxids they imply never go back. It
// returns the violations (at most a few per kind) and how many reads and
// writes it checked.
func checkReads(ops []hop, kh keyHistory) (violations []string, reads, writes int) {
	type chain struct {
		proc    int
		session int64
	}
	byChain := map[chain][]hop{}
	for _, o := range ops {
		if o.out == outOK && o.session != 0 {
			c := chain{o.proc, o.session}
			byChain[c] = append(byChain[c], o)
		}
	}
	report := func(format string, args ...any) {
		if len(violations) < 10 {
			violations = append(violations, fmt.Sprintf(format, args...))
		}
	}
	for c, os := range byChain {
		sort.Slice(os, func(i, j int) bool { return os[i].call < os[j].call })
		x := int64(0) // the least zxid the session has seen
		var last hop
		for _, o := range os {
			switch o.kind {
			case opRead, opSyncRead:
				reads++
				ivs := []interval{{0, math.MaxInt64}}
				bad := false
				for i := range 2 {
					s, err := kh.states(keyPath(o.group, i), o.read[i])
					if err != nil {
						report("p%d session %#x: %s: %v", c.proc, c.session, describeHop(o), err)
						bad = true
						break
					}
					ivs = intersect(ivs, s)
				}
				if bad {
					continue
				}
				nx, ok := firstAtLeast(ivs, x)
				if !ok {
					report("p%d session %#x: %s went back in time: the session had seen zxid %#x (after %s); that state ended before it",
						c.proc, c.session, describeHop(o), x, describeHop(last))
					continue
				}
				x = nx
			case opCreate, opSet, opMulti:
				for i := range 2 {
					w := o.read[i]
					if w.mzxid == 0 || (o.kind != opMulti && i != o.key) {
						continue
					}
					writes++
					if _, err := kh.states(keyPath(o.group, i), w); err != nil {
						report("acknowledged write lost: p%d session %#x: %s: %v", c.proc, c.session, describeHop(o), err)
						continue
					}
					if w.mzxid < x {
						report("p%d session %#x: %s acknowledged at zxid %#x after the session had seen %#x (after %s)",
							c.proc, c.session, describeHop(o), w.mzxid, x, describeHop(last))
					}
					x = max(x, w.mzxid)
				}
			}
			last = o
		}
	}
	return violations, reads, writes
}

// checkStragglers looks up every write with an unknown outcome in the log
// (values are unique) and reports those applied after the same
// goroutine's next write with a known outcome: the FIFO bound the
// linearizability check relies on (model_test.go).
func checkStragglers(ops []hop, kh keyHistory) []string {
	byVal := map[string]int64{}
	for _, cs := range kh {
		for _, c := range cs {
			if c.op != "delete" {
				byVal[c.data] = c.zxid
			}
		}
	}
	var out []string
	pending := map[int][]hop{} // per goroutine: unknown writes since its last known write
	for _, o := range ops {
		if o.kind == opRead || o.kind == opSyncRead {
			continue
		}
		if o.out == outUnknown {
			pending[o.proc] = append(pending[o.proc], o)
			continue
		}
		var after int64 // the known write's zxid, when the log shows it
		if o.out == outOK {
			for i := range 2 {
				after = max(after, o.read[i].mzxid)
			}
		}
		for _, a := range pending[o.proc] {
			v := a.val[a.key]
			if a.kind == opMulti {
				v = a.val[0]
			}
			if z, ok := byVal[v]; ok && after != 0 && z > after && len(out) < 5 {
				out = append(out, fmt.Sprintf("%s (unknown outcome) was applied at zxid %#x, after the same goroutine's next write %s at %#x",
					describeHop(a), z, describeHop(o), after))
			}
		}
		delete(pending, o.proc)
	}
	return out
}
