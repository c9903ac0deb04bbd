package chaos

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// The register model and what ZooKeeper promises about it.
//
// Each group is two keys (/chaos/gN/a and /chaos/gN/b); each key is a
// versioned register: absent, or present with data and a version (0 at
// create, +1 per set). Every write is conditional: create expects the key
// absent, set and delete expect the version the writer last saw, a multi
// does a create or versioned set on both keys at once. A write either
// succeeds (applied once), fails definitely (exists, no node, bad version:
// nothing applied), or has an unknown outcome (connection loss, expiry,
// deadline): it may be applied at any time after its call, so it gets no
// return time (porcupine places it anywhere after its call, or after
// everything, which is as if it never happened).
//
// ZooKeeper's promises, as checked here:
//   - writes are linearizable: checked by porcupine on writes plus synced
//     reads, per group;
//   - Sync followed by a read on the same session is linearizable: synced
//     reads are in the porcupine history;
//   - plain reads are only sequentially consistent: a session sees the
//     servers' common history in zxid order, never going back (FIFO per
//     session, and a reconnect only to a server at least as recent). So
//     per goroutine and session, the zxids its results imply must be
//     non-decreasing: a read that returned key state s means the server was
//     at a zxid from the txn that made s up to (not including) the next txn
//     on that key; an acknowledged write means exactly its own zxid. That
//     is checked against the transaction logs, as is that every read state
//     and every acknowledged write is the state the log says (value and
//     version at that zxid).

type groupState [2]keyVal

func regModel() porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
			by := map[int][]porcupine.Operation{}
			var keys []int
			for _, o := range h {
				g := o.Input.(hop).group
				if _, ok := by[g]; !ok {
					keys = append(keys, g)
				}
				by[g] = append(by[g], o)
			}
			sort.Ints(keys)
			out := make([][]porcupine.Operation, 0, len(keys))
			for _, k := range keys {
				out = append(out, by[k])
			}
			return out
		},
		Init: func() []interface{} { return []interface{}{groupState{}} },
		Step: func(s, in, _ interface{}) []interface{} {
			st, o := s.(groupState), in.(hop)
			ok, next := stepGroup(st, o)
			switch {
			case !ok:
				return nil
			case o.out == outUnknown && next != st:
				// Applied, or it never reached the server.
				return []interface{}{next, st}
			default:
				return []interface{}{next}
			}
		},
		Equal: func(a, b interface{}) bool { return a.(groupState) == b.(groupState) },
		DescribeOperation: func(in, _ interface{}) string {
			return describeHop(in.(hop))
		},
		DescribeState: func(s interface{}) string {
			g := s.(groupState)
			return fmt.Sprintf("a=%s b=%s", describeKV(g[0]), describeKV(g[1]))
		},
	}
	return nm.ToModel()
}

// stepGroup applies o to s: whether o could have returned what it did in
// state s, and the state after it.
func stepGroup(s groupState, o hop) (bool, groupState) {
	// holds: whether the write's condition holds on key i in s.
	holds := func(i int, ver int32) bool {
		if ver < 0 {
			return !s[i].exists
		}
		return s[i].exists && s[i].version == ver
	}
	apply := func(i int, ver int32, val string) {
		if ver < 0 {
			s[i] = keyVal{exists: true, version: 0, val: val}
		} else {
			s[i] = keyVal{exists: true, version: s[i].version + 1, val: val}
		}
	}
	switch o.kind {
	case opCreate, opSet, opDelete:
		ver := o.ver[o.key]
		if o.kind == opCreate {
			ver = -1
		}
		ok := holds(o.key, ver)
		switch o.out {
		case outFailed:
			return !ok, s
		case outOK:
			if !ok {
				return false, s
			}
		case outUnknown:
			if !ok {
				return true, s // placed where it fails: nothing applied
			}
		}
		if o.kind == opDelete {
			s[o.key] = keyVal{}
		} else {
			apply(o.key, ver, o.val[o.key])
		}
		if o.out == outOK && o.kind == opSet && o.read[o.key].version != s[o.key].version {
			return false, s // the Stat's version is not the model's
		}
		return true, s
	case opMulti:
		ok := holds(0, o.ver[0]) && holds(1, o.ver[1])
		switch o.out {
		case outFailed:
			return !ok, s
		case outOK:
			if !ok {
				return false, s
			}
		case outUnknown:
			if !ok {
				return true, s
			}
		}
		apply(0, o.ver[0], o.val[0])
		apply(1, o.ver[1], o.val[1])
		return true, s
	case opRead, opSyncRead:
		for i := range 2 {
			r, m := o.read[i], s[i]
			if r.exists != m.exists || r.exists && (r.version != m.version || r.val != m.val) {
				return false, s
			}
		}
		return true, s
	}
	return false, s
}

func describeKV(k keyVal) string {
	if !k.exists {
		return "absent"
	}
	return fmt.Sprintf("%q@%d", k.val, k.version)
}

func describeHop(o hop) string {
	var what string
	switch o.kind {
	case opCreate:
		what = fmt.Sprintf("create %c=%q", 'a'+o.key, o.val[o.key])
	case opSet:
		what = fmt.Sprintf("set %c=%q if @%d", 'a'+o.key, o.val[o.key], o.ver[o.key])
	case opDelete:
		what = fmt.Sprintf("delete %c if @%d", 'a'+o.key, o.ver[o.key])
	case opMulti:
		what = fmt.Sprintf("multi a=%q if @%d, b=%q if @%d (-1: create)", o.val[0], o.ver[0], o.val[1], o.ver[1])
	default:
		what = fmt.Sprintf("%s -> a=%s b=%s", o.kind, describeKV(o.read[0]), describeKV(o.read[1]))
	}
	return fmt.Sprintf("g%d p%d %s: %s", o.group, o.proc, what, [...]string{"ok", "failed", "unknown"}[o.out])
}

// checkLinearizable runs porcupine on the writes and synced reads. It
// returns the verdict and, when not Ok, a description and the file of
// porcupine's visualization.
func checkLinearizable(ops []hop, timeout time.Duration) (porcupine.CheckResult, string) {
	// The return bound of each unknown write: the next write with a known
	// outcome by the same goroutine (ops are in each goroutine's order).
	bound := make([]int64, len(ops))
	next := map[int]int64{}
	for i := len(ops) - 1; i >= 0; i-- {
		o := ops[i]
		if o.kind == opRead || o.kind == opSyncRead {
			continue
		}
		if o.out == outUnknown {
			if r, ok := next[o.proc]; ok {
				bound[i] = r
			} else {
				bound[i] = 1 << 62
			}
		} else {
			next[o.proc] = o.ret
		}
	}
	var h []porcupine.Operation
	for i, o := range ops {
		if o.kind == opRead || (o.kind == opSyncRead && o.out != outOK) {
			continue // plain reads: read checker; failed reads change nothing
		}
		ret := o.ret
		if o.out == outUnknown {
			ret = bound[i]
		}
		h = append(h, porcupine.Operation{ClientId: o.proc, Input: o, Output: o, Call: o.call, Return: ret})
	}
	model := regModel()
	res, info := porcupine.CheckOperationsVerbose(model, h, timeout)
	if res == porcupine.Ok {
		return res, fmt.Sprintf("%d operations", len(h))
	}
	f := filepath.Join(os.TempDir(), fmt.Sprintf("zk-chaos-linearizability-%d.html", os.Getpid()))
	msg := fmt.Sprintf("%d operations; porcupine's visualization: %s", len(h), f)
	if fh, err := os.Create(f); err == nil {
		if err := porcupine.Visualize(model, info, fh); err != nil {
			msg += fmt.Sprintf(" (not written: %v)", err)
		}
		fh.Close()
	}
	return res, msg
}

// explainIllegal writes, for the first group porcupine rejects, its ops
// and the log's changes of its keys to a file, and says whether the group
// passes without the FIFO bound.
func explainIllegal(ops []hop, kh keyHistory) string {
	groupsSeen := map[int]bool{}
	for _, o := range ops {
		groupsSeen[o.group] = true
	}
	for g := range groups {
		if !groupsSeen[g] {
			continue
		}
		var mine []hop
		for _, o := range ops {
			if o.group == g {
				mine = append(mine, o)
			}
		}
		if res, _ := checkLinearizable(mine, 20*time.Second); res == porcupine.Ok {
			continue
		}
		unb := make([]hop, len(mine))
		copy(unb, mine)
		for i := range unb {
			if unb[i].out == outUnknown {
				unb[i].proc = -1 - i // alone: no later write bounds it
			}
		}
		res2, _ := checkLinearizable(unb, 20*time.Second)
		f := filepath.Join(os.TempDir(), fmt.Sprintf("zk-chaos-group%d-%d.txt", g, os.Getpid()))
		var b strings.Builder
		sort.Slice(mine, func(i, j int) bool { return mine[i].call < mine[j].call })
		for _, o := range mine {
			fmt.Fprintf(&b, "%8.3f %8.3f s%x %s read=%v\n", float64(o.call)/1e9, float64(o.ret)/1e9, o.session, describeHop(o), o.read)
		}
		for i := range 2 {
			fmt.Fprintf(&b, "log %s:\n", keyPath(g, i))
			for _, c := range kh[keyPath(g, i)] {
				fmt.Fprintf(&b, "  %#x %s %q\n", c.zxid, c.op, c.data)
			}
		}
		os.WriteFile(f, []byte(b.String()), 0o644)
		return fmt.Sprintf("group %d fails; without the FIFO bound: %s; ops and log in %s", g, res2, f)
	}
	return "no single group fails"
}
