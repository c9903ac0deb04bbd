package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/zkwire/zk"
)

// Quotas live in the tree, as zkCli keeps them: for a node /a/b,
// /zookeeper/quota/a/b/zookeeper_limits holds the limits and
// /zookeeper/quota/a/b/zookeeper_stats the usage, which the server keeps
// up to date (and, with zookeeper.enforceQuota, enforces the hard limits).
const (
	quotaRoot = "/zookeeper/quota"
	limitNode = "zookeeper_limits"
	statNode  = "zookeeper_stats"
)

func quotaVerbs() []*verb {
	return []*verb{
		{name: "setquota", args: "-n|-b|-N|-B val path",
			summary: "set a quota on a subtree: -n nodes, -b bytes (soft: logged), -N, -B (hard)",
			detail: "Soft quotas are logged by the server when exceeded; hard ones make it refuse\n" +
				"writes when zookeeper.enforceQuota=true. A node under a quota cannot get one\n" +
				"of its own, nor can one above it.",
			example: "setquota -n 1000 /app", values: "nbNB", min: 1, max: 1, prepare: prepareSetQuota},
		{name: "listquota", args: "[-o json] path", summary: "print a subtree's quota and usage",
			example: "listquota /app", values: "o", min: 1, max: 1, prepare: prepareListQuota},
		{name: "delquota", args: "[-n|-b|-N|-B] path", summary: "remove one limit of a quota, or without an option the whole quota",
			example: "delquota -n /app", bools: "nbNB", min: 1, max: 1, prepare: prepareDelQuota},
	}
}

// quotaFields are the limit options and the StatsTrack keys they set.
var quotaFields = []struct {
	opt  byte
	key  string
	what string
}{
	{'n', "count", "num quota"},
	{'b', "bytes", "bytes quota"},
	{'N', "countHardLimit", "num hard quota"},
	{'B', "byteHardLimit", "bytes hard quota"},
}

// statsTrack is the key=value text of the limits and stats nodes.
type statsTrack map[string]int64

// parseStatsTrack reads "count=5,bytes=-1=;byteHardLimit=100;countHardLimit=-1"
// as the server does: pairs split on , and ;, a stray = ignored.
func parseStatsTrack(s string) (statsTrack, error) {
	st := statsTrack{}
	for _, kv := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		parts := strings.Split(kv, "=")
		if len(parts) < 2 {
			return nil, fmt.Errorf("malformed quota entry %q in %q", kv, s)
		}
		n, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("malformed quota entry %q in %q", kv, s)
		}
		st[parts[0]] = n
	}
	return st, nil
}

func (st statsTrack) get(key string) int64 {
	if v, ok := st[key]; ok {
		return v
	}
	return -1
}

// limitsString writes limits exactly as zkCli 3.8 does, stray "=" after
// bytes included: servers before 3.7 split on "," and "=" only, and that
// "=" keeps their reading of bytes intact.
func (st statsTrack) limitsString() string {
	return fmt.Sprintf("count=%d,bytes=%d=;byteHardLimit=%d;countHardLimit=%d",
		st.get("count"), st.get("bytes"), st.get("byteHardLimit"), st.get("countHardLimit"))
}

// quotaTarget checks a quota command's path: never under the chroot (the
// quota tree lies outside it) or inside the quota tree itself.
func quotaTarget(in *invocation) (string, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return "", err
	}
	if p == quotaRoot || strings.HasPrefix(p, quotaRoot+"/") {
		return "", in.usagef("cannot set a quota under the path: %s", quotaRoot)
	}
	if p == "/" {
		return "", in.usagef("no quota on the root")
	}
	return p, nil
}

func checkQuotaChroot(s *session, verb string) error {
	if s.cfg.chroot != "" {
		return fmt.Errorf("%s %w", verb, errChrooted)
	}
	return nil
}

func prepareSetQuota(in *invocation) (action, error) {
	p, err := quotaTarget(in)
	if err != nil {
		return nil, err
	}
	limits := statsTrack{}
	for _, f := range quotaFields {
		v, ok := in.opts[f.opt]
		if !ok {
			continue
		}
		if len(limits) > 0 {
			return nil, in.usagef("give one of -n, -b, -N, -B at a time")
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, in.usagef("-%c %q is not a number", f.opt, v)
		}
		if n <= 0 {
			return nil, in.usagef("the %s must be greater than zero", f.what)
		}
		limits[f.key] = n
	}
	if len(limits) == 0 {
		return nil, in.usagef("missing -n, -b, -N or -B")
	}
	return func(ctx context.Context, s *session) error {
		if err := checkQuotaChroot(s, "setquota"); err != nil {
			return err
		}
		if ok, _, err := s.c.Exists(ctx, p); err != nil || !ok {
			if err == nil {
				err = &zk.OpError{Op: "setquota", Path: p, Err: zk.ErrNoNode}
			}
			return err
		}
		if err := checkQuotaConflicts(ctx, s.c, p); err != nil {
			return err
		}
		// The path's copy under the quota tree, level by level.
		qp := quotaRoot
		for _, part := range strings.Split(p[1:], "/") {
			qp += "/" + part
			if _, err := s.c.Create(ctx, qp, nil, zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
				return err
			}
		}
		_, err := s.c.Create(ctx, qp+"/"+limitNode, []byte(limits.limitsString()), zk.Persistent, zk.WorldACL(zk.PermAll))
		if errors.Is(err, zk.ErrNodeExists) {
			// A quota already: change the one limit given.
			return updateLimits(ctx, s.c, qp+"/"+limitNode, func(cur statsTrack) {
				for k, v := range limits {
					cur[k] = v
				}
			})
		}
		if err != nil {
			return err
		}
		// The server counts the subtree when the stats node appears.
		_, err = s.c.Create(ctx, qp+"/"+statNode, []byte("count=0,bytes=0"), zk.Persistent, zk.WorldACL(zk.PermAll))
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return err
		}
		return nil
	}, nil
}

// checkQuotaConflicts refuses a quota on p when a node above or below p
// has one, as zkCli does: quotas do not nest.
func checkQuotaConflicts(ctx context.Context, c *zk.Client, p string) error {
	parent := ""
	parts := strings.Split(p[1:], "/")
	for _, part := range parts[:len(parts)-1] {
		parent += "/" + part
		ok, _, err := c.Exists(ctx, quotaRoot+parent+"/"+limitNode)
		if err != nil {
			return err
		}
		if ok {
			return fmt.Errorf("%s has a parent %s which has a quota", p, parent)
		}
	}
	levels, err := subtree(ctx, c, quotaRoot+p)
	if errors.Is(err, zk.ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, level := range levels[1:] {
		for _, n := range level {
			if strings.HasSuffix(n, "/"+limitNode) && n != quotaRoot+p+"/"+limitNode {
				return fmt.Errorf("%s has a child %s which has a quota", p, strings.TrimSuffix(strings.TrimPrefix(n, quotaRoot), "/"+limitNode))
			}
		}
	}
	return nil
}

// updateLimits rewrites a limits node with change applied, retrying when
// someone else changed it meanwhile.
func updateLimits(ctx context.Context, c *zk.Client, node string, change func(statsTrack)) error {
	for {
		data, st, err := c.Get(ctx, node)
		if err != nil {
			return err
		}
		cur, err := parseStatsTrack(string(data))
		if err != nil {
			return err
		}
		change(cur)
		_, err = c.Set(ctx, node, []byte(cur.limitsString()), st.Version)
		if !errors.Is(err, zk.ErrBadVersion) {
			return err
		}
	}
}

func prepareListQuota(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	asJSON, err := in.json()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, s *session) error {
		if err := checkQuotaChroot(s, "listquota"); err != nil {
			return err
		}
		limits, _, err := s.c.Get(ctx, quotaRoot+p+"/"+limitNode)
		if errors.Is(err, zk.ErrNoNode) {
			return fmt.Errorf("quota for %s does not exist", p)
		}
		if err != nil {
			return err
		}
		stats, _, err := s.c.Get(ctx, quotaRoot+p+"/"+statNode)
		if err != nil && !errors.Is(err, zk.ErrNoNode) {
			return err
		}
		if !asJSON {
			fmt.Fprintf(s.out, "Output quota for %s %s\n", p, limits)
			if stats != nil {
				fmt.Fprintf(s.out, "Output stat for %s %s\n", p, stats)
			}
			return nil
		}
		l, err := parseStatsTrack(string(limits))
		if err != nil {
			return err
		}
		u, err := parseStatsTrack(string(stats))
		if err != nil {
			return err
		}
		type counts struct {
			Count          int64 `json:"count"`
			Bytes          int64 `json:"bytes"`
			CountHardLimit int64 `json:"countHardLimit"`
			ByteHardLimit  int64 `json:"byteHardLimit"`
		}
		return s.printJSON(struct {
			Path  string `json:"path"`
			Quota counts `json:"quota"`
			Usage struct {
				Count int64 `json:"count"`
				Bytes int64 `json:"bytes"`
			} `json:"usage"`
		}{Path: p, Quota: counts{l.get("count"), l.get("bytes"), l.get("countHardLimit"), l.get("byteHardLimit")},
			Usage: struct {
				Count int64 `json:"count"`
				Bytes int64 `json:"bytes"`
			}{u.get("count"), u.get("bytes")}})
	}, nil
}

func prepareDelQuota(in *invocation) (action, error) {
	p, err := quotaTarget(in)
	if err != nil {
		return nil, err
	}
	var clear []string
	for _, f := range quotaFields {
		if in.has(f.opt) {
			clear = append(clear, f.key)
		}
	}
	return func(ctx context.Context, s *session) error {
		if err := checkQuotaChroot(s, "delquota"); err != nil {
			return err
		}
		dir := quotaRoot + p
		if ok, _, err := s.c.Exists(ctx, dir+"/"+limitNode); err != nil || !ok {
			if err == nil {
				fmt.Fprintf(s.errOut, "Quota does not exist for %s\n", p)
			}
			return err
		}
		if len(clear) > 0 {
			return updateLimits(ctx, s.c, dir+"/"+limitNode, func(cur statsTrack) {
				for _, k := range clear {
					cur[k] = -1
				}
			})
		}
		// The whole quota: its nodes, then the path's copy up to the
		// first level another quota still needs.
		for _, n := range []string{limitNode, statNode} {
			if err := s.c.Delete(ctx, dir+"/"+n, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
				return err
			}
		}
		for d := dir; d != quotaRoot; d = d[:strings.LastIndexByte(d, '/')] {
			err := s.c.Delete(ctx, d, -1)
			if errors.Is(err, zk.ErrNotEmpty) {
				return nil
			}
			if err != nil && !errors.Is(err, zk.ErrNoNode) {
				return err
			}
		}
		return nil
	}, nil
}
