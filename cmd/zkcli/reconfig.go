package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/zkwire/zk"
)

// reconfigVerb changes the ensemble's membership, with zkCli's syntax.
// Its options are words (-add, -remove, -members, -file), so it parses
// its own arguments (raw).
func reconfigVerb() *verb {
	return &verb{name: "reconfig",
		args:    "[-s] [-o json] [-v version] (-add spec[,spec...] | -remove id[,id...] | -members spec[,spec...] | -file path)",
		summary: "change the ensemble's membership (dynamic reconfiguration)",
		detail: "-add adds or updates servers, -remove removes server ids (both may be given: an incremental change);\n" +
			"-members (or -file, one line each) replaces the whole membership. A spec is\n" +
			"\"server.5=host:quorumPort:electionPort[:role];[clientHost:]clientPort\".\n" +
			"-v applies the change only to that config version (hex, as config prints it).\n" +
			"-s adds the stat. The servers need reconfigEnabled=true, and by default only a superuser may reconfigure.",
		example: `reconfig -add "server.5=10.0.0.5:2888:3888;2181" -remove 3`,
		max:     1 << 30, raw: true, prepare: prepareReconfig}
}

func prepareReconfig(in *invocation) (action, error) {
	var joining, leaving, members []string
	var incremental, whole bool
	from := int64(-1)
	asJSON, withStat := false, false
	args := in.args
	for i := 0; i < len(args); i++ {
		opt := args[i]
		value := func() (string, error) {
			if i+1 >= len(args) {
				return "", in.usagef("option %s needs a value", opt)
			}
			i++
			return args[i], nil
		}
		var v string
		var err error
		switch opt {
		case "-s":
			withStat = true
			continue
		case "-add", "-remove", "-members", "-file", "-v", "-o":
			if v, err = value(); err != nil {
				return nil, err
			}
		default:
			return nil, in.usagef("unexpected %q: give -add, -remove, -members or -file", opt)
		}
		switch opt {
		case "-o":
			if v != "json" {
				return nil, in.usagef("-o %q: the only output format is json", v)
			}
			asJSON = true
		case "-v":
			n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToLower(v), "0x"), 16, 64)
			if err != nil || n < 0 {
				return nil, in.usagef("-v %q is not a config version (hex, as config prints it)", v)
			}
			from = n
		case "-add":
			incremental = true
			for _, spec := range splitList(v) {
				if err := checkServerSpec(spec, false); err != nil {
					return nil, in.usagef("-add: %v", err)
				}
				joining = append(joining, spec)
			}
		case "-remove":
			incremental = true
			for _, id := range splitList(v) {
				if _, err := strconv.ParseUint(id, 10, 63); err != nil {
					return nil, in.usagef("-remove: %q is not a server id (a number, as in server.3)", id)
				}
				leaving = append(leaving, id)
			}
		case "-members":
			whole = true
			for _, spec := range splitList(v) {
				if err := checkServerSpec(spec, true); err != nil {
					return nil, in.usagef("-members: %v", err)
				}
				members = append(members, spec)
			}
		case "-file":
			whole = true
			data, err := os.ReadFile(v)
			if err != nil {
				return nil, in.usagef("-file: %v", err)
			}
			for _, line := range strings.Split(string(data), "\n") {
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "version=") {
					continue
				}
				if err := checkServerSpec(line, true); err != nil {
					return nil, in.usagef("-file %s: %v", v, err)
				}
				members = append(members, line)
			}
		}
	}
	switch {
	case incremental && whole:
		return nil, in.usagef("-add/-remove change some members, -members/-file replace them all: give one kind")
	case !incremental && !whole:
		return nil, in.usagef("nothing to change: give -add, -remove, -members or -file")
	case whole && len(members) == 0:
		return nil, in.usagef("-members/-file: no server given")
	case incremental && len(joining)+len(leaving) == 0:
		return nil, in.usagef("-add/-remove: no server given")
	}
	return func(ctx context.Context, s *session) error {
		var data []byte
		var st *zk.Stat
		var err error
		if whole {
			data, st, err = s.c.Reconfig(ctx, members, from)
		} else {
			data, st, err = s.c.IncrementalReconfig(ctx, joining, leaving, from)
		}
		if err != nil {
			return reconfigError(err)
		}
		text := strings.TrimSuffix(string(data), "\n")
		if asJSON {
			return s.printJSON(struct {
				Config string    `json:"config"`
				Stat   *jsonStat `json:"stat"`
			}{text, toJSONStat(st)})
		}
		fmt.Fprintln(s.out, "Committed new configuration:")
		fmt.Fprintln(s.out, text)
		if withStat {
			printStat(s.out, st)
		}
		return nil
	}, nil
}

// reconfigError explains the refusals a user can act on.
func reconfigError(err error) error {
	switch {
	case errors.Is(err, zk.ErrReconfigDisabled):
		return fmt.Errorf("%w (the servers run without reconfigEnabled=true)", err)
	case errors.Is(err, zk.ErrUnimplemented):
		return fmt.Errorf("%w (a standalone server cannot be reconfigured)", err)
	case errors.Is(err, zk.ErrNoAuth):
		return fmt.Errorf("%w (only a superuser may reconfigure by default: -auth digest:super:...)", err)
	case errors.Is(err, zk.ErrBadVersion):
		return fmt.Errorf("%w (-v: the config changed since; run config to see the current version)", err)
	}
	return err
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// checkServerSpec checks the shape of "server.N=value" (with whole, also
// "group.N=..." and "weight.N=..."), so a typo fails before it is sent.
func checkServerSpec(spec string, whole bool) error {
	key, value, ok := strings.Cut(spec, "=")
	kind, id, dotted := strings.Cut(key, ".")
	switch {
	case !ok || !dotted || strings.TrimSpace(value) == "":
		return fmt.Errorf("%q is not a server spec (server.N=host:quorumPort:electionPort;clientPort)", spec)
	case kind != "server" && !(whole && (kind == "group" || kind == "weight")):
		return fmt.Errorf("%q: expected server.N=...", spec)
	}
	if _, err := strconv.ParseUint(id, 10, 63); err != nil {
		return fmt.Errorf("%q: %q is not a server id", spec, id)
	}
	if kind == "server" && strings.Count(strings.SplitN(value, ";", 2)[0], ":") < 2 {
		return fmt.Errorf("%q: want host:quorumPort:electionPort before the ';'", spec)
	}
	return nil
}
