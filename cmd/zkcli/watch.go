package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/zkwire/zk"
)

// watchVerb streams a node's changes until interrupted.
func watchVerb() *verb {
	return &verb{name: "watch", args: "[-r] path",
		summary: "stream changes until Ctrl-C: data and children, or with -r every node below",
		detail: "Without -r, one line per state, now and after every change:\n" +
			"  data /p dataVersion=3 \"value\"\n  children /p cversion=2 [\"a\",\"b\"]\n  data /p does not exist\n" +
			"With -r, one line per event on the node or below it:\n  NodeCreated /p/a\n  NodeDataChanged /p/a\n  NodeDeleted /p/a",
		example: "watch -r /app",
		bools:   "r", min: 1, max: 1, endless: true, prepare: prepareWatch}
}

func prepareWatch(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	if in.has('r') {
		return func(ctx context.Context, s *session) error { return watchRecursive(ctx, s, p) }, nil
	}
	return func(ctx context.Context, s *session) error { return watchNode(ctx, s, p) }, nil
}

// watchNode prints the node's data and children now and after every
// change, one line each:
//
//	data /p dataVersion=3 "value"
//	children /p cversion=2 ["a","b"]
//	data /p does not exist
//
// Changes that land close together may show as their latest state only.
// It returns nil when ctx ends (Ctrl-C), an error if the watch ends for
// another reason (session expired, permission denied).
func watchNode(ctx context.Context, s *session, p string) error {
	fmt.Fprintf(s.errOut, "watching %s: its data and children; Ctrl-C to stop\n", p)
	outer := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	data, err := zk.WatchData(ctx, s.c, p)
	if err != nil {
		return err
	}
	children, err := zk.WatchChildren(ctx, s.c, p)
	if err != nil {
		cancel()
		for range data { // wait for its goroutine to end
		}
		return err
	}
	var failed error
	// Read until both streams close, so their goroutines are done; on the
	// first failure cancel the other one.
	for data != nil || children != nil {
		select {
		case u, ok := <-data:
			switch {
			case !ok:
				data = nil
			case u.Err != nil:
				failed, data = u.Err, nil
				cancel()
			case u.Stat == nil:
				fmt.Fprintf(s.out, "data %s does not exist\n", p)
			default:
				fmt.Fprintf(s.out, "data %s dataVersion=%d %q\n", p, u.Stat.Version, u.Data)
			}
		case u, ok := <-children:
			switch {
			case !ok:
				children = nil
			case u.Err != nil:
				failed, children = u.Err, nil
				cancel()
			case u.Stat == nil:
				fmt.Fprintf(s.out, "children %s does not exist\n", p)
			default:
				fmt.Fprintf(s.out, "children %s cversion=%d %s\n", p, u.Stat.Cversion, quotedList(u.Children))
			}
		}
	}
	if outer.Err() != nil {
		// Ctrl-C: an update that failed because of it is no failure.
		return nil
	}
	return failed
}

// watchRecursive prints one line per event on the node or below it
// ("NodeCreated /p/a", "NodeDataChanged /p/a", "NodeDeleted /p/a") from a
// persistent recursive watch, until ctx ends. After a reconnect it warns
// on stderr that changes made meanwhile were not reported.
func watchRecursive(ctx context.Context, s *session, p string) error {
	w, err := s.c.AddWatch(ctx, p, zk.KindPersistentRecursive)
	if err != nil {
		return err
	}
	defer w.Stop()
	fmt.Fprintf(s.errOut, "watching %s: it and every node below it; Ctrl-C to stop\n", p)
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events():
			switch {
			case !ok:
				return nil
			case ev.Err != nil:
				return fmt.Errorf("watch %s ended: %s", p, trimZK(ev.Err.Error()))
			case ev.Resync:
				fmt.Fprintf(s.errOut, "reconnected: changes made while disconnected were not reported\n")
			case ev.Type == zk.EventNone:
				// Session changes: reportSessionEvents prints them.
			default:
				fmt.Fprintf(s.out, "%s %s\n", ev.Type, ev.Path)
			}
		}
	}
}

// addWatchVerb and removeWatchesVerb are zkCli's addWatch and
// removewatches.
func addWatchVerb() *verb {
	return &verb{name: "addWatch", args: "[-m mode] path",
		summary: "set a persistent watch; mode PERSISTENT or PERSISTENT_RECURSIVE (the default)",
		detail: "In the shell its events print as they come (WatchedEvent state:SyncConnected\n" +
			"type:NodeCreated path:/p/a) until removewatches or the end of the shell. A\n" +
			"one-shot zkcli prints them until Ctrl-C, like watch -r.",
		example: "addWatch -m PERSISTENT /app/config",
		values:  "m", min: 1, max: 1, prepare: prepareAddWatch}
}

func removeWatchesVerb() *verb {
	return &verb{name: "removewatches", args: "path [-c|-d|-a] [-l]",
		summary: "remove watches on a node: -c child, -d data, -a any (default); -l locally too",
		example: "removewatches /app/config -d",
		bools:   "cdal", min: 1, max: 1, prepare: prepareRemoveWatches}
}

func prepareAddWatch(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	mode := zk.KindPersistentRecursive
	if m, ok := in.opts['m']; ok {
		switch strings.ToUpper(m) {
		case "PERSISTENT":
			mode = zk.KindPersistent
		case "PERSISTENT_RECURSIVE":
		default:
			return nil, in.usagef("-m %q: the mode is PERSISTENT or PERSISTENT_RECURSIVE", m)
		}
	}
	oneShot := in.oneShot()
	in.endless = oneShot
	return func(ctx context.Context, s *session) error {
		if !oneShot {
			w, err := s.c.AddWatch(ctx, p, mode)
			if err != nil {
				return err
			}
			s.printEvents(w)
			return nil
		}
		rctx, cancel := context.WithTimeout(ctx, s.cfg.cmdTimeout)
		defer cancel()
		w, err := s.c.AddWatch(rctx, p, mode)
		if err != nil {
			return err
		}
		defer w.Stop()
		fmt.Fprintf(s.errOut, "watching %s (%s); Ctrl-C to stop\n", p, strings.ToUpper(modeName(mode)))
		for {
			select {
			case <-ctx.Done():
				return nil // Ctrl-C is how it ends
			case ev, ok := <-w.Events():
				switch {
				case !ok:
					return nil
				case ev.Err != nil:
					return fmt.Errorf("watch on %s ended: %s", p, trimZK(ev.Err.Error()))
				case ev.Resync:
					fmt.Fprintf(s.errOut, "reconnected: changes made while disconnected were not reported\n")
				case ev.Type != zk.EventNone:
					s.printEvent(ev)
				}
			}
		}
	}, nil
}

func modeName(m zk.WatchKind) string {
	if m == zk.KindPersistent {
		return "persistent"
	}
	return "persistent_recursive"
}

func prepareRemoveWatches(in *invocation) (action, error) {
	p, err := in.pathArg(0, "", false)
	if err != nil {
		return nil, err
	}
	t := zk.KindAny
	n := 0
	for _, o := range []struct {
		letter byte
		t      zk.WatchKind
	}{{'c', zk.KindChild}, {'d', zk.KindData}, {'a', zk.KindAny}} {
		if in.has(o.letter) {
			t = o.t
			n++
		}
	}
	if n > 1 {
		return nil, in.usagef("-c, -d and -a exclude each other")
	}
	local := in.has('l')
	return func(ctx context.Context, s *session) error {
		return s.c.RemoveWatches(ctx, p, t, local)
	}, nil
}
