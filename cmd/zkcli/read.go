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
		{name: "ls", args: "[-s] [-w] [-R] [-o json] path", summary: "list children; -s adds the stat, -R the whole subtree",
			detail: "On a terminal the children print as [a, b]; otherwise one name a line, so that\n" +
				"names holding commas or spaces stay unambiguous. With -R, one path a line.\n" + watchFlagHelp,
			example: "ls -R /app", bools: "swR", values: "o", max: 1, prepare: prepareLs},
		{name: "get", args: "[-s] [-w] [-o json] path", summary: "print a node's data; -s adds the stat",
			detail:  watchFlagHelp + "\nIn JSON, data that is not UTF-8 text comes base64-encoded as dataBase64.",
			example: "get -s /app/config", bools: "sw", values: "o", min: 1, max: 1, prepare: prepareGet},
		{name: "stat", args: "[-w] [-o json] path", summary: "print a node's stat",
			detail:  watchFlagHelp,
			example: "stat /app", bools: "w", values: "o", min: 1, max: 1, prepare: prepareStat},
		{name: "getAcl", args: "[-s] [-o json] path", summary: "print a node's ACL; -s adds the stat",
			example: "getAcl /app", bools: "s", values: "o", min: 1, max: 1, prepare: prepareGetACL},
		{name: "getAllChildrenNumber", args: "[-o json] path", summary: "count the nodes below a node",
			example: "getAllChildrenNumber /app", values: "o", min: 1, max: 1, prepare: prepareAllChildrenNumber},
		{name: "getEphemerals", args: "[-o json] [prefix]", summary: "list this session's ephemeral nodes under prefix",
			detail:  "A one-shot zkcli has a session of its own, which has no ephemeral nodes; this\nis for the shell.",
			example: "getEphemerals /app/locks", values: "o", max: 1, prepare: prepareGetEphemerals},
		{name: "whoami", args: "[-o json]", summary: "list the identities the server gives this session",
			example: "-auth digest:alice:secret whoami", values: "o", prepare: prepareWhoAmI},
		{name: "config", args: "[-c] [-w] [-s] [-o json]", summary: "print the ensemble's configuration (/zookeeper/config)",
			detail:  "-c prints only the client connect string (version, then host:port list);\n-s adds the stat. " + watchFlagHelp,
			example: "config -c", bools: "cws", values: "o", prepare: prepareConfig},
		{name: "sync", args: "[path]", summary: "make the server catch up with the leader",
			example: "sync /", max: 1, prepare: prepareSync},
	}
}

// watchFlagHelp explains -w, common to ls, get, stat and config.
const watchFlagHelp = `-w also sets a one-shot watch: in the shell its event prints when it
fires (WatchedEvent state:SyncConnected type:NodeDataChanged path:/p); a
one-shot zkcli waits for the event, prints it and exits (Ctrl-C to stop).`

func prepareLs(in *invocation) (action, error) {
	p, err := in.pathArg(0, "/", false)
	if err != nil {
		return nil, err
	}
	asJSON, err := in.json()
	if err != nil {
		return nil, err
	}
	if in.has('R') {
		switch {
		case in.has('s'):
			return nil, in.usagef("-s and -R cannot be combined")
		case in.has('w'):
			return nil, in.usagef("-w and -R cannot be combined; watch -r streams a subtree's changes")
		}
		return func(ctx context.Context, s *session) error { return lsRecursive(ctx, s, p, asJSON) }, nil
	}
	withStat := in.has('s')
	return in.watchable(func(ctx context.Context, s *session, watch bool) (*zk.Watch, error) {
		var children []string
		var st *zk.Stat
		var w *zk.Watch
		var err error
		if watch {
			children, st, w, err = s.c.ChildrenW(ctx, p)
		} else {
			children, st, err = s.c.Children(ctx, p)
		}
		if err != nil {
			return w, err
		}
		if asJSON {
			sort.Strings(children)
			return w, s.printJSON(struct {
				Path     string    `json:"path"`
				Children []string  `json:"children"`
				Stat     *jsonStat `json:"stat"`
			}{p, append([]string{}, children...), toJSONStat(st)})
		}
		s.printList(children)
		if withStat {
			printStat(s.out, st)
		}
		return w, nil
	}), nil
}

// lsRecursive prints root and every node below it, one path a line, in
// zkCli's order: a node's children (sorted), then each child's subtree.
// Nodes deleted during the walk are skipped; the tree is not a snapshot.
func lsRecursive(ctx context.Context, s *session, root string, asJSON bool) error {
	if ok, _, err := s.c.Exists(ctx, root); err != nil || !ok {
		if err == nil {
			err = &zk.OpError{Op: "ls", Path: root, Err: zk.ErrNoNode}
		}
		return err
	}
	emit := func(p string) { fmt.Fprintln(s.out, p) }
	var all []string
	if asJSON {
		emit = func(p string) { all = append(all, p) }
	}
	emit(root)
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
			emit(join(p, ch))
		}
		for _, ch := range children {
			if err := visit(join(p, ch)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(root); err != nil {
		return err
	}
	if asJSON {
		return s.printJSON(all)
	}
	return nil
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
	asJSON, err := in.json()
	if err != nil {
		return nil, err
	}
	withStat := in.has('s')
	return in.watchable(func(ctx context.Context, s *session, watch bool) (*zk.Watch, error) {
		var data []byte
		var st *zk.Stat
		var w *zk.Watch
		var err error
		if watch {
			data, st, w, err = s.c.GetW(ctx, p)
		} else {
			data, st, err = s.c.Get(ctx, p)
		}
		if err != nil {
			return w, err
		}
		if asJSON {
			text, b64 := jsonData(data)
			return w, s.printJSON(struct {
				Path       string    `json:"path"`
				Data       *string   `json:"data,omitempty"`
				DataBase64 []byte    `json:"dataBase64,omitempty"`
				Stat       *jsonStat `json:"stat"`
			}{p, text, b64, toJSONStat(st)})
		}
		fmt.Fprintf(s.out, "%s\n", data)
		if withStat {
			printStat(s.out, st)
		}
		return w, nil
	}), nil
}

func prepareStat(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	asJSON, err := in.json()
	if err != nil {
		return nil, err
	}
	return in.watchable(func(ctx context.Context, s *session, watch bool) (*zk.Watch, error) {
		var ok bool
		var st *zk.Stat
		var w *zk.Watch
		var err error
		if watch {
			ok, st, w, err = s.c.ExistsW(ctx, p)
		} else {
			ok, st, err = s.c.Exists(ctx, p)
		}
		if err != nil {
			return w, err
		}
		if !ok {
			// With -w the watch is set all the same: it fires on creation.
			return w, &zk.OpError{Op: "stat", Path: p, Err: zk.ErrNoNode}
		}
		if asJSON {
			return w, s.printJSON(struct {
				Path string    `json:"path"`
				Stat *jsonStat `json:"stat"`
			}{p, toJSONStat(st)})
		}
		printStat(s.out, st)
		return w, nil
	}), nil
}

func prepareGetACL(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	asJSON, err := in.json()
	if err != nil {
		return nil, err
	}
	withStat := in.has('s')
	return func(ctx context.Context, s *session) error {
		acl, st, err := s.c.GetACL(ctx, p)
		if err != nil {
			return err
		}
		if asJSON {
			type entry struct {
				Scheme string `json:"scheme"`
				ID     string `json:"id"`
				Perms  string `json:"perms"`
			}
			entries := []entry{}
			for _, a := range acl {
				entries = append(entries, entry{a.ID.Scheme, a.ID.ID, permString(a.Perms)})
			}
			return s.printJSON(struct {
				Path string    `json:"path"`
				ACL  []entry   `json:"acl"`
				Stat *jsonStat `json:"stat"`
			}{p, entries, toJSONStat(st)})
		}
		fmt.Fprint(s.out, formatACL(acl))
		if withStat {
			printStat(s.out, st)
		}
		return nil
	}, nil
}

func prepareAllChildrenNumber(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	asJSON, err := in.json()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, s *session) error {
		n, err := s.c.AllChildrenNumber(ctx, p)
		if err != nil {
			return err
		}
		if asJSON {
			return s.printJSON(struct {
				Path  string `json:"path"`
				Count int    `json:"count"`
			}{p, n})
		}
		fmt.Fprintln(s.out, n)
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
	asJSON, err := in.json()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, s *session) error {
		paths, err := s.c.Ephemerals(ctx, prefix)
		if err != nil {
			return err
		}
		if asJSON {
			sort.Strings(paths)
			return s.printJSON(append([]string{}, paths...))
		}
		s.printList(paths)
		return nil
	}, nil
}

func prepareWhoAmI(in *invocation) (action, error) {
	asJSON, err := in.json()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, s *session) error {
		ids, err := s.c.WhoAmI(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			type identity struct {
				Scheme string `json:"scheme"`
				User   string `json:"user"`
			}
			list := []identity{}
			for _, id := range ids {
				list = append(list, identity{id.AuthScheme, id.User})
			}
			return s.printJSON(list)
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
