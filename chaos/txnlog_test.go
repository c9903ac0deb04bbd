package chaos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zkwire/zk/zktest"
)

// The watch oracle and the read checker take the ensemble's history from
// the servers' own transaction logs, printed by ZooKeeper's TxnLogToolkit
// (not decoded by this repository's jute code, so a decoding bug shared
// with the client cannot hide itself).

// change is one node change a transaction made.
type change struct {
	zxid int64
	op   string // "create", "set" or "delete"
	path string
	data string // create and set: the new data
	eph  bool   // create: an ephemeral node
}

// txn is one logged transaction and the changes it made, in order.
type txn struct {
	zxid    int64
	session int64
	typ     string
	changes []change
	raw     string // for conflict reports
}

// same reports whether two logs' copies of a txn say the same thing.
func (t txn) same(o txn) bool {
	return t.typ == o.typ && t.session == o.session && fmt.Sprint(t.changes) == fmt.Sprint(o.changes)
}

// txnHeader parses the start of a record TxnLogToolkit prints: "<date>
// session 0x.. cxid 0x.. zxid 0x.. <type> <body>". It returns false for a
// line that does not start a record: a body may span lines (data and raw
// multi records may hold newlines), so such a line continues the one
// before.
func txnHeader(line string) (session, zxid int64, typ, body string, ok bool) {
	i := strings.Index(line, " session 0x")
	if i <= 0 {
		return 0, 0, "", "", false
	}
	f := strings.SplitN(line[i+1:], " ", 8)
	if len(f) < 7 || f[2] != "cxid" || f[4] != "zxid" {
		return 0, 0, "", "", false
	}
	s, err1 := strconv.ParseUint(strings.TrimPrefix(f[1], "0x"), 16, 64)
	z, err2 := strconv.ParseUint(strings.TrimPrefix(f[5], "0x"), 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, "", "", false
	}
	typ = strings.TrimSuffix(f[6], "\n")
	if len(f) == 8 {
		body = f[7]
	}
	return int64(s), int64(z), typ, body, true
}

// readTxnLogs prints every log file of every server and merges them by
// zxid. The same zxid in two logs must be the same transaction; every zxid
// of an epoch from 1 to its last must be present (the union of the
// servers' logs is the whole history).
func readTxnLogs(ctx context.Context, ens *zktest.Ensemble) ([]txn, string, error) {
	var files []string
	for _, s := range ens.Servers() {
		fs, err := filepath.Glob(filepath.Join(s.DataDir(), "version-2", "log.*"))
		if err != nil {
			return nil, "", err
		}
		files = append(files, fs...)
	}
	// Two JVMs at a time: the tool is slow to start and to print.
	type result struct {
		txns       []txn
		dump, pars time.Duration
		err        error
	}
	results := make([]result, len(files))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t0 := time.Now()
			out, err := dumpTxnLog(ctx, f)
			r := &results[i]
			r.dump = time.Since(t0)
			if err != nil {
				r.err = err
				return
			}
			t0 = time.Now()
			r.txns, err = parseTxnDump(out)
			r.pars = time.Since(t0)
			if err != nil {
				r.err = fmt.Errorf("%s: %w", f, err)
			}
		}()
	}
	wg.Wait()
	byZxid := map[int64]txn{}
	var dump, pars time.Duration
	for _, r := range results {
		if r.err != nil {
			return nil, "", r.err
		}
		dump, pars = dump+r.dump, pars+r.pars
		for _, t := range r.txns {
			if o, ok := byZxid[t.zxid]; ok && !o.same(t) {
				return nil, "", fmt.Errorf("zxid %#x differs between logs: %q and %q", t.zxid, o.raw, t.raw)
			}
			byZxid[t.zxid] = t
		}
	}
	stats := fmt.Sprintf("%d log files, TxnLogToolkit %v, parsing %v", len(files), dump.Round(time.Millisecond), pars.Round(time.Millisecond))
	all := make([]txn, 0, len(byZxid))
	for _, t := range byZxid {
		all = append(all, t)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].zxid < all[j].zxid })
	for i, t := range all {
		ctr := t.zxid & 0xffffffff
		switch {
		case i == 0 || all[i-1].zxid>>32 != t.zxid>>32:
			if ctr != 1 {
				return nil, "", fmt.Errorf("logs lack zxids %#x to %#x", t.zxid-ctr+1, t.zxid-1)
			}
		case all[i-1].zxid+1 != t.zxid:
			return nil, "", fmt.Errorf("logs lack zxids %#x to %#x", all[i-1].zxid+1, t.zxid-1)
		}
	}
	return all, stats, nil
}

// dumpTxnLog runs TxnLogToolkit on one file. Its output is read as
// Latin-1 so that each byte of a raw multi record stays one character.
func dumpTxnLog(ctx context.Context, file string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd, err := zktest.JavaCommand(ctx, []string{"-Dfile.encoding=ISO-8859-1", "-Dstdout.encoding=ISO-8859-1",
		"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
		"-Dlog4j.configuration=file:" + os.DevNull}, "org.apache.zookeeper.server.persistence.TxnLogToolkit", "-d", file)
	if err != nil {
		return "", err
	}
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("TxnLogToolkit %s: %v: %s", file, err, out)
	}
	return string(out), nil
}

// parseTxnDump parses TxnLogToolkit -d output (ZooKeeper 3.8).
func parseTxnDump(out string) ([]txn, error) {
	var recs []*strings.Builder
	for _, line := range strings.SplitAfter(out, "\n") {
		switch {
		case strings.HasPrefix(line, "EOF reached") && len(recs) > 0:
		case isHeader(line):
			recs = append(recs, &strings.Builder{})
			recs[len(recs)-1].WriteString(line)
		case len(recs) > 0:
			recs[len(recs)-1].WriteString(line)
		}
	}
	txns := make([]txn, 0, len(recs))
	for _, b := range recs {
		r := strings.TrimSuffix(b.String(), "\n")
		session, zxid, typ, body, _ := txnHeader(r)
		t := txn{zxid: zxid, session: session, typ: typ, raw: r}
		var err error
		t.changes, err = parseBody(t.typ, body, t.zxid)
		if err != nil {
			return nil, fmt.Errorf("zxid %#x: %w (record %q)", t.zxid, err, r)
		}
		txns = append(txns, t)
	}
	return txns, nil
}

func isHeader(line string) bool {
	_, _, _, _, ok := txnHeader(line)
	return ok
}

// parseBody turns one record's body into changes. Bodies (3.8):
//
//	create /p,<data>,[acl...],<ephemeral>,<parentCVersion>   (create2, createContainer, createTTL alike)
//	setData /p,<data>,<version>
//	delete '/p
//	closeSession v{'/e1,'/e2}     the session's ephemerals, deleted
//	multi <op>:<raw record>;<op>:<raw record>;...
func parseBody(typ, body string, zxid int64) ([]change, error) {
	switch typ {
	case "create", "create2", "createContainer", "createTTL":
		p, rest, ok := strings.Cut(body, ",")
		data, rest2, ok2 := strings.Cut(rest, ",[")
		if !ok || !ok2 {
			return nil, fmt.Errorf("cannot parse create")
		}
		// After the ACL: "],<ephemeral>,<parentCVersion>" (createTTL: "],<parentCVersion>,<ttl>").
		i := strings.LastIndex(rest2, "],")
		eph := i >= 0 && strings.HasPrefix(rest2[i+2:], "true,")
		return []change{{zxid: zxid, op: "create", path: p, data: data, eph: eph}}, nil
	case "setData":
		p, rest, ok := strings.Cut(body, ",")
		j := strings.LastIndex(rest, ",")
		if !ok || j < 0 {
			return nil, fmt.Errorf("cannot parse setData")
		}
		return []change{{zxid: zxid, op: "set", path: p, data: rest[:j]}}, nil
	case "delete", "deleteContainer":
		return []change{{zxid: zxid, op: "delete", path: strings.TrimPrefix(body, "'")}}, nil
	case "closeSession":
		// v{'/a,'/b} or v{}: paths are ours and hold no commas.
		inner := strings.TrimSuffix(strings.TrimPrefix(body, "v{"), "}")
		var out []change
		for _, p := range strings.Split(inner, ",") {
			if p = strings.TrimPrefix(p, "'"); p != "" {
				out = append(out, change{zxid: zxid, op: "delete", path: p})
			}
		}
		return out, nil
	case "multi":
		return parseMulti(body, zxid)
	default: // createSession, error, setACL, reconfig, ...: no node changes
		return nil, nil
	}
}

// multiOp names the sub-records a multi body holds; a sub-record starts
// with "<name>:" right after the ';' that ends the one before.
var multiOp = regexp.MustCompile(`(?:^|;)(create|create2|createContainer|createTTL|delete|deleteContainer|setData|check|error|setACL):`)

// parseMulti decodes the raw (jute) sub-records of a multi: each starts
// with its path (int length, bytes); a create and a setData go on with
// their data (int length, bytes). Lengths and our paths and data are
// small and ASCII, so every byte survived as one character.
func parseMulti(body string, zxid int64) ([]change, error) {
	idx := multiOp.FindAllStringSubmatchIndex(body, -1)
	// A multi with an error sub-record failed as a whole: nothing applied.
	// (Servers may log the other sub-records of a failed multi with their
	// own type or as errors: the leader's copy is marked up in memory.)
	for _, m := range idx {
		if body[m[2]:m[3]] == "error" {
			return nil, nil
		}
	}
	var out []change
	for k, m := range idx {
		end := len(body)
		if k+1 < len(idx) {
			end = idx[k+1][0]
		}
		name, rec := body[m[2]:m[3]], body[m[1]:end]
		var op string
		switch name {
		case "create", "create2", "createContainer", "createTTL":
			op = "create"
		case "setData":
			op = "set"
		case "delete", "deleteContainer":
			op = "delete"
		default:
			continue
		}
		p, rest, err := juteString(rec)
		if err != nil {
			return nil, fmt.Errorf("multi %s: %w", name, err)
		}
		c := change{zxid: zxid, op: op, path: p}
		if op != "delete" {
			if c.data, rest, err = juteString(rest); err != nil {
				return nil, fmt.Errorf("multi %s %s data: %w", name, p, err)
			}
		}
		if name == "create" || name == "create2" {
			c.eph = multiCreateEphemeral(rest)
		}
		out = append(out, c)
	}
	return out, nil
}

// multiCreateEphemeral reads a CreateTxn's tail after path and data: the
// ACL vector (int count; each int perms, string scheme, string id), then
// the ephemeral flag.
func multiCreateEphemeral(rest string) bool {
	n, rest, ok := juteInt(rest)
	if !ok {
		return false
	}
	for range n {
		if _, rest, ok = juteInt(rest); !ok {
			return false
		}
		var err error
		if _, rest, err = juteString(rest); err != nil {
			return false
		}
		if _, rest, err = juteString(rest); err != nil {
			return false
		}
	}
	return len(rest) > 0 && rest[0] == 1
}

func juteInt(s string) (int, string, bool) {
	if len(s) < 4 {
		return 0, s, false
	}
	n := int(s[0])<<24 | int(s[1])<<16 | int(s[2])<<8 | int(s[3])
	return n, s[4:], true
}

func juteString(s string) (string, string, error) {
	if strings.HasPrefix(s, "????") { // -1, a null buffer: 0xff bytes print as '?'
		return "", s[4:], nil
	}
	n, rest, ok := juteInt(s)
	if !ok || n < 0 || n > len(rest) {
		return "", s, fmt.Errorf("bad length in %q", s)
	}
	return rest[:n], rest[n:], nil
}
