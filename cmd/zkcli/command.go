package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/zkwire/zk"
)

// verb is one command of the CLI: its syntax and how to turn checked
// arguments into an action.
type verb struct {
	name     string
	args     string // usage of options and arguments, zkCli style
	summary  string
	detail   string // help VERB: more than the summary, when needed
	example  string // help VERB: a command line, after "zkcli "
	bools    string // option letters that take no value
	values   string // option letters that take a value
	min, max int    // how many positional arguments
	offline  bool   // needs no connection (help)
	endless  bool   // runs until interrupted (watch): no -cmd-timeout
	raw      bool   // parses its own options (reconfig's -add, -remove...)
	// prepare checks the arguments and returns the action to run; every
	// input error surfaces here, before anything is sent.
	prepare func(in *invocation) (action, error)
}

// action runs a prepared command on a session.
type action func(ctx context.Context, s *session) error

// command is a parsed, checked command line.
type command struct {
	verb    *verb
	act     action
	offline bool // needs no connection (help, VERB -h)
	endless bool // no -cmd-timeout (watch; a one-shot -w waits for its event)
}

// invocation is a command line split into options and arguments.
type invocation struct {
	verb  *verb
	opts  map[byte]string // options present; the value for valued ones
	args  []string
	stdin io.Reader // for data "-"; nil in the shell, where stdin holds the commands
	// endless: prepare found this invocation runs until interrupted
	// (watch, or a one-shot -w waiting for its event).
	endless bool
}

// oneShot reports whether the command came on zkcli's command line (not
// from the shell).
func (in *invocation) oneShot() bool { return in.stdin != nil }

// json reports whether -o json was given; -o takes no other value.
func (in *invocation) json() (bool, error) {
	o, ok := in.opts['o']
	if !ok {
		return false, nil
	}
	if o != "json" {
		return false, in.usagef("-o %q: the only output format is json", o)
	}
	return true, nil
}

func (in *invocation) has(opt byte) bool { _, ok := in.opts[opt]; return ok }

// verbs lists every command, in help order.
var verbs []*verb

// verbByName finds a verb case-insensitively (zkCli spells getAcl, users
// type getacl).
var verbByName = map[string]*verb{}

func init() {
	verbs = append(verbs, readVerbs()...)
	verbs = append(verbs, writeVerbs()...)
	verbs = append(verbs, watchVerb(), addWatchVerb(), removeWatchesVerb())
	verbs = append(verbs, quotaVerbs()...)
	verbs = append(verbs, srvrVerb(), reconfigVerb())
	verbs = append(verbs, &verb{
		name: "help", args: "[command]", summary: "list the commands, or explain one",
		example: "help create", max: 1, offline: true, prepare: prepareHelp,
	})
	for _, v := range verbs {
		verbByName[strings.ToLower(v.name)] = v
	}
}

// usageError is a command line that cannot run; nothing was sent.
type usageError struct {
	verb *verb // nil when the verb itself is unknown
	msg  string
}

func (e *usageError) Error() string {
	if e.verb == nil {
		return e.msg
	}
	return fmt.Sprintf("%s: %s\nusage: %s %s   (%s -h for help)", e.verb.name, e.msg, e.verb.name, e.verb.args, e.verb.name)
}

func (in *invocation) usagef(format string, a ...any) error {
	return &usageError{verb: in.verb, msg: fmt.Sprintf(format, a...)}
}

// parseCommand splits args (verb first) into options and arguments the
// way zkCli does: options may come anywhere, grouped (-es) or not, a
// value attached (-v3) or next (-v 3); "--" ends options, and a token
// that looks like a negative number is an argument. -h or --help anywhere
// before "--" asks for the verb's help instead. stdin is where data "-"
// is read from (nil: not allowed).
func parseCommand(args []string, stdin io.Reader) (command, error) {
	v := verbByName[strings.ToLower(args[0])]
	if v == nil {
		return command{}, &usageError{msg: fmt.Sprintf("unknown command %q; type help for the list", args[0])}
	}
	rest := args[1:]
	for _, tok := range rest {
		if tok == "--" {
			break
		}
		if tok == "-h" || tok == "--help" {
			return command{verb: v, offline: true, act: func(_ context.Context, s *session) error {
				printVerbHelp(s.out, v)
				return nil
			}}, nil
		}
	}
	in := &invocation{verb: v, opts: map[byte]string{}, stdin: stdin}
	if v.raw {
		in.args = rest
	}
	for i := 0; !v.raw && i < len(rest); i++ {
		tok := rest[i]
		if tok == "--" {
			in.args = append(in.args, rest[i+1:]...)
			break
		}
		if len(tok) < 2 || tok[0] != '-' || isNumber(tok) {
			in.args = append(in.args, tok)
			continue
		}
		if name := globalFlagName(tok); name != "" {
			// In one-shot mode main.go has taken these out already.
			return command{}, in.usagef("-%s is a zkcli flag, not an option of %s: give it when starting zkcli (zkcli -%s ...), it cannot change in the shell", name, v.name, name)
		}
		for j := 1; j < len(tok); j++ {
			o := tok[j]
			switch {
			case strings.IndexByte(v.bools, o) >= 0:
				in.opts[o] = ""
			case strings.IndexByte(v.values, o) >= 0:
				val := tok[j+1:]
				if val == "" {
					if i+1 >= len(rest) {
						return command{}, in.usagef("option -%c needs a value", o)
					}
					i++
					val = rest[i]
				}
				in.opts[o] = val
				j = len(tok)
			case len(tok) > 2:
				return command{}, in.usagef("unknown option -%c (in %s)", o, tok)
			default:
				return command{}, in.usagef("unknown option -%c", o)
			}
		}
	}
	if len(in.args) < v.min {
		return command{}, in.usagef("missing argument")
	}
	if len(in.args) > v.max {
		return command{}, in.usagef("too many arguments")
	}
	act, err := v.prepare(in)
	if err != nil {
		return command{}, err
	}
	return command{verb: v, act: act, offline: v.offline, endless: v.endless || in.endless}, nil
}

// globalFlagNames are zkcli's own flags (defined in main.go).
var globalFlagNames = []string{"server", "chroot", "timeout", "cmd-timeout", "auth", "wait"}

// globalFlagName returns the name of the zkcli flag tok spells ("-server",
// "--server=h"), or "".
func globalFlagName(tok string) string {
	name := strings.TrimLeft(tok, "-")
	name, _, _ = strings.Cut(name, "=")
	for _, g := range globalFlagNames {
		if name == g {
			return name
		}
	}
	return ""
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// pathArg returns argument i (def when absent) checked as a node path.
func (in *invocation) pathArg(i int, def string, sequential bool) (string, error) {
	p := def
	if i < len(in.args) {
		p = in.args[i]
	}
	if err := zk.ValidatePath(p, sequential); err != nil {
		return "", in.usagef("%s", trimZK(err.Error()))
	}
	return p, nil
}

// version returns the -v option as a version (-1, any, when absent).
func (in *invocation) version() (int32, error) {
	s, ok := in.opts['v']
	if !ok {
		return -1, nil
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, in.usagef("-v %q is not a version number", s)
	}
	return int32(v), nil
}

// session is the connection commands run on, and where they write.
type session struct {
	bg          sync.WaitGroup // goroutines printing the shell's -w and addWatch events
	cfg         *config
	c           *zk.Client // nil for offline commands in one-shot mode
	out         io.Writer  // command output
	errOut      io.Writer  // errors and notices
	outTerminal bool       // out is a terminal: lists as [a, b]
}

// execute runs cmd, bounded by -cmd-timeout unless it is endless. While
// the client is disconnected a command fails at once (the library would
// hold it until a reconnect or -cmd-timeout), unless -wait asks to wait.
func (s *session) execute(ctx context.Context, cmd command) error {
	if !cmd.endless || cmd.offline {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.cmdTimeout)
		defer cancel()
	}
	if !cmd.offline && s.c != nil {
		if err := s.checkConnected(ctx); err != nil {
			return err
		}
	}
	return cmd.act(ctx, s)
}

// errNotConnected: a command was not sent because the client is
// disconnected.
type errNotConnected struct{ state zk.State }

func (e *errNotConnected) Error() string {
	return fmt.Sprintf("not connected (session %s, reconnecting in the background): the command was not sent; "+
		"try again once the shell reports \"session: Connected\", or start zkcli with -wait to make commands wait", e.state)
}

// checkConnected fails at once unless the client is connected; with
// -wait it waits (up to ctx), saying so on stderr.
func (s *session) checkConnected(ctx context.Context) error {
	st := s.c.State()
	if connected(st) {
		return nil
	}
	if !s.cfg.wait {
		return &errNotConnected{state: st}
	}
	fmt.Fprintf(s.errOut, "zkcli: not connected (session %s); waiting for a reconnect (-wait, up to %v)\n", st, s.cfg.cmdTimeout)
	return nil // the library holds the call until it can send it
}

func connected(st zk.State) bool {
	return st == zk.StateConnected || st == zk.StateConnectedReadOnly
}

// report prints err (if any) the way zkCli words it and returns the exit
// status it deserves.
func (s *session) report(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(s.errOut, ue)
		return exitUsage
	}
	fmt.Fprintln(s.errOut, s.describe(err))
	return exitFail
}

// describe words an error as zkCli does ("Node does not exist: /x"), and
// says which limit a timeout hit.
func (s *session) describe(err error) string {
	var oe *zk.OpError
	path := ""
	if errors.As(err, &oe) {
		path = oe.Path
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("timed out after %v (-cmd-timeout): %s", s.cfg.cmdTimeout, trimZK(err.Error()))
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case path == "":
	case errors.Is(err, zk.ErrNoNode):
		return "Node does not exist: " + path
	case errors.Is(err, zk.ErrNodeExists):
		return "Node already exists: " + path
	case errors.Is(err, zk.ErrNotEmpty):
		return "Node not empty: " + path
	case errors.Is(err, zk.ErrNoChildrenForEphemerals):
		return "Ephemerals cannot have children: " + path
	case errors.Is(err, zk.ErrBadVersion):
		return "version No is not valid : " + path
	case errors.Is(err, zk.ErrNoAuth):
		return "Insufficient permission : " + path
	case errors.Is(err, zk.ErrInvalidACL):
		return "Acl is not valid : " + path
	case errors.Is(err, zk.ErrBadArguments):
		return "Arguments are not valid : " + path
	case errors.Is(err, zk.ErrQuotaExceeded):
		return "Quota has exceeded : " + path
	case errors.Is(err, zk.ErrNoWatcher):
		return "No such watcher for " + path
	}
	return trimZK(err.Error())
}

// trimZK drops the library's "zk: " prefix, which means nothing to a
// command-line user.
func trimZK(s string) string { return strings.TrimPrefix(s, "zk: ") }
