package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/zkwire/zk"
)

// writeVerbs are the commands that change nodes or the session: create,
// set, delete, deleteall, setAcl, addauth.
func writeVerbs() []*verb {
	return []*verb{
		{name: "create", args: "[-s] [-e] [-c] [-t ttl] path [data] [acl]",
			summary: "make a node: -s sequential, -e ephemeral, -c container, -t ttl (ms, or 10s)",
			detail:  dataHelp + "\n\nThe default ACL is world:anyone:cdrwa. A one-shot zkcli's ephemeral node goes\nwhen zkcli exits: its session ends.",
			example: "create /app/config @config.json\ncreate -s -e /app/lock- worker-1",
			bools:   "sec", values: "t", min: 1, max: 3, prepare: prepareCreate},
		{name: "set", args: "[-s] [-v version] path data", summary: "replace a node's data; -s prints the new stat",
			detail:  dataHelp + "\n\nWith -v the data changes only if the node's dataVersion is still version.",
			example: "set -v 3 /app/config @config.json\nprintf 'line 1\\nline 2' | zkcli set /app/notes -",
			bools:   "s", values: "v", min: 2, max: 2, prepare: prepareSet},
		{name: "delete", args: "[-v version] path", summary: "delete a node that has no children",
			example: "delete -v 0 /app/old", values: "v", min: 1, max: 1, prepare: prepareDelete},
		{name: "deleteall", args: "[-b batch] path", summary: "delete a node and everything below it",
			detail:  "Deepest nodes first, up to batch deletes in flight at once (default 32).",
			example: "deleteall /app/tmp", values: "b", min: 1, max: 1, prepare: prepareDeleteAll},
		{name: "setAcl", args: "[-s] [-v version] [-R] path acl",
			summary: "replace a node's ACL; -R for the subtree",
			detail:  "acl is comma-separated scheme:id:perms entries, perms from cdrwa, e.g.\nworld:anyone:r,digest:alice:HASH:cdrwa (HASH is base64(sha1(\"alice:secret\")));\nauth::cdrwa means every identity the session has added.",
			example: "setAcl -R /app world:anyone:r,auth::cdrwa",
			bools:   "sR", values: "v", min: 2, max: 2, prepare: prepareSetACL},
		{name: "addauth", args: "scheme [auth]", summary: "add credentials to the session",
			example: "addauth digest alice:secret", min: 1, max: 2, prepare: prepareAddAuth},
	}
}

// dataHelp explains the data argument of create and set.
const dataHelp = `data is the argument itself, or @file for a file's contents, or - for
stdin (one-shot zkcli only: the shell reads its commands from stdin), so
binary or multi-line data needs no quoting; @@text stands for the literal
@text. A data argument starting with - comes after --: set /n -- -1x.`

func prepareCreate(in *invocation) (action, error) {
	ephemeral, sequential, container := in.has('e'), in.has('s'), in.has('c')
	ttlArg, hasTTL := in.opts['t']
	switch {
	case container && (ephemeral || sequential):
		return nil, in.usagef("-c cannot be combined with -s or -e: containers are neither ephemeral nor sequential")
	case hasTTL && ephemeral:
		return nil, in.usagef("-t cannot be combined with -e: ephemeral nodes have no TTL")
	case hasTTL && container:
		return nil, in.usagef("-t cannot be combined with -c: containers have no TTL")
	}
	var ttl time.Duration
	if hasTTL {
		var err error
		if ttl, err = parseTTL(ttlArg); err != nil {
			return nil, in.usagef("-t %q: %v", ttlArg, err)
		}
	}
	p, err := in.pathArg(0, "", sequential)
	if err != nil {
		return nil, err
	}
	var data []byte
	if len(in.args) > 1 {
		if data, err = in.dataArg(in.args[1]); err != nil {
			return nil, err
		}
	}
	acl := zk.WorldACL(zk.PermAll)
	if len(in.args) > 2 {
		if acl, err = parseACL(in.args[2]); err != nil {
			return nil, in.usagef("%v", err)
		}
	}
	mode := zk.Persistent
	switch {
	case ephemeral && sequential:
		mode = zk.EphemeralSequential
	case ephemeral:
		mode = zk.Ephemeral
	case sequential && hasTTL:
		mode = zk.PersistentSequentialWithTTL
	case sequential:
		mode = zk.PersistentSequential
	case hasTTL:
		mode = zk.PersistentWithTTL
	}
	return func(ctx context.Context, s *session) error {
		var created string
		var err error
		switch {
		case container:
			created, _, err = s.c.CreateContainer(ctx, p, data, acl)
		case hasTTL:
			created, _, err = s.c.CreateTTL(ctx, p, data, mode, acl, ttl)
			if errors.Is(err, zk.ErrUnimplemented) {
				return fmt.Errorf("the server does not allow TTL nodes (create -t): enable them with "+
					"extendedTypesEnabled=true in its zoo.cfg (the zookeeper.extendedTypesEnabled system property): %w", err)
			}
		default:
			created, err = s.c.Create(ctx, p, data, mode, acl)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(s.out, "Created %s\n", created)
		return nil
	}, nil
}

// parseTTL reads a TTL as zkCli does (milliseconds), or as a Go duration
// ("90s", "1h").
func parseTTL(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if ms, perr := strconv.ParseInt(s, 10, 64); perr == nil {
		d, err = time.Duration(ms)*time.Millisecond, nil
	}
	if err != nil {
		return 0, errors.New("want milliseconds or a duration such as 90s")
	}
	if d < time.Millisecond {
		return 0, errors.New("must be at least 1ms")
	}
	return d, nil
}

func prepareSet(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	data, err := in.dataArg(in.args[1])
	if err != nil {
		return nil, err
	}
	withStat := in.has('s')
	return func(ctx context.Context, s *session) error {
		st, err := s.c.Set(ctx, p, data, version)
		if err != nil {
			return err
		}
		if withStat {
			printStat(s.out, st)
		}
		return nil
	}, nil
}

func prepareDelete(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, s *session) error { return s.c.Delete(ctx, p, version) }, nil
}

func prepareDeleteAll(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	if p == "/" {
		// /zookeeper cannot go, and everything else is too much to lose
		// to a typo.
		return nil, in.usagef("refusing to delete the root")
	}
	batch := parallel
	if b, ok := in.opts['b']; ok {
		n, err := strconv.Atoi(b)
		if err != nil || n < 1 {
			return nil, in.usagef("-b %q: the batch size must be a positive number", b)
		}
		batch = n
	}
	return func(ctx context.Context, s *session) error {
		levels, err := subtree(ctx, s.c, p)
		if err != nil {
			return err
		}
		// Deepest level first, so a node's children are gone before it.
		// A node that vanished meanwhile is fine; one that gained a child
		// fails with "Node not empty".
		for i := len(levels) - 1; i >= 0; i-- {
			err := forEach(ctx, batch, levels[i], func(ctx context.Context, node string) error {
				if err := s.c.Delete(ctx, node, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
					return err
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}, nil
}

func prepareSetACL(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	recursive, withStat := in.has('R'), in.has('s')
	if recursive && version != -1 {
		return nil, in.usagef("-v cannot be combined with -R: the subtree's nodes have versions of their own")
	}
	acl, err := parseACL(in.args[1])
	if err != nil {
		return nil, in.usagef("%v", err)
	}
	return func(ctx context.Context, s *session) error {
		// List the subtree first: the new ACL may deny reading it.
		var levels [][]string
		if recursive {
			var err error
			if levels, err = subtree(ctx, s.c, p); err != nil {
				return err
			}
		}
		st, err := s.c.SetACL(ctx, p, acl, version)
		if err != nil {
			return err
		}
		if recursive {
			for _, level := range levels[1:] {
				err := forEach(ctx, parallel, level, func(ctx context.Context, node string) error {
					if _, err := s.c.SetACL(ctx, node, acl, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
						return err
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
		}
		if withStat {
			printStat(s.out, st)
		}
		return nil
	}, nil
}

func prepareAddAuth(in *invocation) (action, error) {
	scheme := in.args[0]
	if scheme == "" {
		return nil, in.usagef("empty scheme")
	}
	var auth []byte
	if len(in.args) > 1 {
		auth = []byte(in.args[1])
	}
	return func(ctx context.Context, s *session) error { return s.c.AddAuth(ctx, scheme, auth) }, nil
}
