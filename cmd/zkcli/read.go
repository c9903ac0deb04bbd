package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/zkwire/zk"
)

// readVerbs are the commands that only read: ls, get, stat, getAcl,
// getEphemerals, whoami, sync.
func readVerbs() []*verb {
	return []*verb{
		{name: "ls", args: "[-s] [-R] path", summary: "list children; -s adds the stat, -R the whole subtree",
			detail:  "On a terminal the children print as [a, b]; otherwise one name a line, so that\nnames holding commas or spaces stay unambiguous. With -R, one path a line.",
			example: "ls -R /app", bools: "sR", max: 1, prepare: prepareLs},
		{name: "get", args: "[-s] path", summary: "print a node's data; -s adds the stat",
			example: "get -s /app/config", bools: "s", min: 1, max: 1, prepare: prepareGet},
		{name: "stat", args: "path", summary: "print a node's stat",
			example: "stat /app", min: 1, max: 1, prepare: prepareStat},
		{name: "getAcl", args: "[-s] path", summary: "print a node's ACL; -s adds the stat",
			example: "getAcl /app", bools: "s", min: 1, max: 1, prepare: prepareGetACL},
		{name: "getEphemerals", args: "[prefix]", summary: "list this session's ephemeral nodes under prefix",
			detail:  "A one-shot zkcli has a session of its own, which has no ephemeral nodes; this\nis for the shell.",
			example: "getEphemerals /app/locks", max: 1, prepare: prepareGetEphemerals},
		{name: "whoami", summary: "list the identities the server gives this session",
			example: "-auth digest:alice:secret whoami", prepare: prepareWhoAmI},
		{name: "sync", args: "[path]", summary: "make the server catch up with the leader",
			example: "sync /", max: 1, prepare: prepareSync},
	}
}

func prepareLs(in *invocation) (action, error) {
	p, err := in.pathArg(0, "/", false)
	if err != nil {
		return nil, err
	}
	if in.has('R') {
		if in.has('s') {
			return nil, in.usagef("-s and -R cannot be combined")
		}
		return func(ctx context.Context, s *session) error { return lsRecursive(ctx, s, p) }, nil
	}
	withStat := in.has('s')
	return func(ctx context.Context, s *session) error {
		children, st, err := s.c.Children(ctx, p)
		if err != nil {
			return err
		}
		s.printList(children)
		if withStat {
			printStat(s.out, st)
		}
		return nil
	}, nil
}

// lsRecursive prints root and every node below it, one path a line, in
// zkCli's order: a node's children (sorted), then each child's subtree.
// Nodes deleted during the walk are skipped; the tree is not a snapshot.
func lsRecursive(ctx context.Context, s *session, root string) error {
	if ok, _, err := s.c.Exists(ctx, root); err != nil || !ok {
		if err == nil {
			err = &zk.OpError{Op: "ls", Path: root, Err: zk.ErrNoNode}
		}
		return err
	}
	fmt.Fprintln(s.out, root)
	var visit func(p string) error
	visit = func(p string) error {
		children, _, err := s.c.Children(ctx, p)
		if errors.Is(err, zk.ErrNoNode) {
			return nil // deleted since its parent was listed
		}
		if err != nil {
			return err
		}
		sort.Strings(children)
		for _, ch := range children {
			fmt.Fprintln(s.out, join(p, ch))
		}
		for _, ch := range children {
			if err := visit(join(p, ch)); err != nil {
				return err
			}
		}
		return nil
	}
	return visit(root)
}

// join appends a child's name to its parent's path.
func join(parent, child string) string {
	if parent == "/" {
		return "/" + child
	}
	return parent + "/" + child
}

func prepareGet(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	withStat := in.has('s')
	return func(ctx context.Context, s *session) error {
		data, st, err := s.c.Get(ctx, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.out, "%s\n", data)
		if withStat {
			printStat(s.out, st)
		}
		return nil
	}, nil
}

func prepareStat(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, s *session) error {
		ok, st, err := s.c.Exists(ctx, p)
		if err != nil {
			return err
		}
		if !ok {
			return &zk.OpError{Op: "stat", Path: p, Err: zk.ErrNoNode}
		}
		printStat(s.out, st)
		return nil
	}, nil
}

func prepareGetACL(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	withStat := in.has('s')
	return func(ctx context.Context, s *session) error {
		acl, st, err := s.c.GetACL(ctx, p)
		if err != nil {
			return err
		}
		fmt.Fprint(s.out, formatACL(acl))
		if withStat {
			printStat(s.out, st)
		}
		return nil
	}, nil
}

func prepareGetEphemerals(in *invocation) (action, error) {
	// A prefix, not a path: "/app/lock-" matches /app/lock-0001.
	prefix := "/"
	if len(in.args) > 0 {
		prefix = in.args[0]
	}
	if !strings.HasPrefix(prefix, "/") {
		return nil, in.usagef("prefix %q must start with /", prefix)
	}
	return func(ctx context.Context, s *session) error {
		paths, err := s.c.Ephemerals(ctx, prefix)
		if err != nil {
			return err
		}
		s.printList(paths)
		return nil
	}, nil
}

func prepareWhoAmI(*invocation) (action, error) {
	return func(ctx context.Context, s *session) error {
		ids, err := s.c.WhoAmI(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(s.out, "Auth scheme: User")
		for _, id := range ids {
			fmt.Fprintf(s.out, "%s: %s\n", id.AuthScheme, id.User)
		}
		return nil
	}, nil
}

func prepareSync(in *invocation) (action, error) {
	p, err := in.pathArg(0, "/", false)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, s *session) error {
		if err := s.c.Sync(ctx, p); err != nil {
			return err
		}
		fmt.Fprintln(s.out, "Sync is OK")
		return nil
	}, nil
}
