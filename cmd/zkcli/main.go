// Command zkcli is a command-line ZooKeeper client with the verbs of
// zkCli.sh: ls, get, stat, set, create, delete, deleteall, getAcl, setAcl,
// addauth, sync, whoami, getEphemerals, plus watch, which streams changes
// until Ctrl-C.
//
// Given a command it runs it and exits (status 0 on success, 1 when the
// command fails, 2 on a usage error):
//
//	zkcli -server 127.0.0.1:2181 ls /
//
// Without one it reads commands from stdin, one per line, prompting only
// when stdin is a terminal. zkcli help VERB (or VERB -h) explains a verb;
// see README.md for all of them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zkwire/zk"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the command (or connecting) failed
	exitUsage = 2 // the command line is wrong; nothing was sent
)

// envServers names the environment variable that replaces the default
// server list when -server is not given.
const envServers = "ZK_SERVERS"

// defaultPort is ZooKeeper's client port, used for an address without one
// (as zkCli.sh does).
const defaultPort = "2181"

func main() {
	os.Exit(run(os.Args[1:], stdio{
		in:          os.Stdin,
		out:         os.Stdout,
		err:         os.Stderr,
		inTerminal:  isTerminal(os.Stdin),
		outTerminal: isTerminal(os.Stdout),
		getenv:      os.Getenv,
	}))
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// stdio is the process's surroundings, passed in so that run is testable.
type stdio struct {
	in          io.Reader
	out, err    io.Writer
	inTerminal  bool // prompt only then
	outTerminal bool // ls prints [a, b] only then; one name a line otherwise
	getenv      func(string) string
}

// config is what the global flags say.
type config struct {
	servers        []string
	chroot         string
	sessionTimeout time.Duration
	cmdTimeout     time.Duration
	authScheme     string
	authCred       []byte
	// wait: keep trying when every server refuses, and let a shell's
	// commands wait for a reconnect, instead of failing at once.
	wait bool
}

// globalFlags defines zkcli's flags on fs.
func globalFlags(fs *flag.FlagSet) (server, chroot, auth *string, timeout, cmdTimeout *time.Duration, wait *bool) {
	server = fs.String("server", "127.0.0.1:2181", "comma-separated `host:port` list, optionally followed by a chroot (host:port/app); default port 2181; $"+envServers+" when not given")
	chroot = fs.String("chroot", "", "make every `path` relative to this node")
	timeout = fs.Duration("timeout", 30*time.Second, "requested session timeout")
	cmdTimeout = fs.Duration("cmd-timeout", time.Minute, "how long connecting and each command may take (watch runs until Ctrl-C)")
	auth = fs.String("auth", "", "credentials `scheme:cred` sent on connect, e.g. digest:user:password")
	wait = fs.Bool("wait", false, "when no server answers, keep trying (up to -cmd-timeout) instead of failing at once; in the shell, commands wait for a reconnect")
	return
}

// run is main without os.Exit, so every deferred Close runs first.
func run(argv []string, sys stdio) int {
	fs := flag.NewFlagSet("zkcli", flag.ContinueOnError)
	fs.SetOutput(sys.err)
	fs.Usage = func() {} // -h prints to stdout below; errors get a hint
	server, chroot, auth, timeout, cmdTimeout, wait := globalFlags(fs)
	err := fs.Parse(argv) // prints its own errors
	var rest []string
	if err == nil {
		// Global flags may also follow the command (zkcli ls / -server h).
		if rest, err = parseLateFlags(fs, fs.Args()); err != nil {
			fmt.Fprintln(sys.err, "zkcli:", err)
		}
	}
	if errors.Is(err, flag.ErrHelp) {
		printUsage(sys.out, fs)
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(sys.err, "run zkcli -h for the flags and commands")
		return exitUsage
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["server"] && sys.getenv != nil {
		if env := sys.getenv(envServers); strings.TrimSpace(env) != "" {
			*server = env
		}
	}
	cfg, err := parseConfig(*server, *chroot, *timeout, *cmdTimeout, *auth)
	if err != nil {
		fmt.Fprintln(sys.err, "zkcli:", err)
		return exitUsage
	}
	cfg.wait = *wait
	if len(rest) == 0 {
		return runShell(cfg, sys)
	}
	return runOnce(cfg, rest, sys)
}

// parseLateFlags takes global flags out of the command's words (before a
// "--"), so that "zkcli ls / -server h:2181" works like "zkcli -server
// h:2181 ls /". Only multi-letter names are global, so a verb's letter
// options (-s, -R) are never taken; -h and --help after the verb are the
// verb's help and stay.
func parseLateFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		tok := args[i]
		if tok == "--" {
			return append(rest, args[i:]...), nil
		}
		f, value, hasValue := globalFlag(fs, tok)
		if f == nil {
			rest = append(rest, tok)
			continue
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag -%s needs a value", f.Name)
			}
			i++
			value = args[i]
		}
		if err := fs.Set(f.Name, value); err != nil {
			return nil, fmt.Errorf("invalid value %q for flag -%s: %v", value, f.Name, err)
		}
	}
	return rest, nil
}

// globalFlag returns the global flag tok names ("-server", "--server",
// "-server=h"), or nil.
func globalFlag(fs *flag.FlagSet, tok string) (f *flag.Flag, value string, hasValue bool) {
	name, ok := strings.CutPrefix(tok, "-")
	if !ok {
		return nil, "", false
	}
	name = strings.TrimPrefix(name, "-")
	name, value, hasValue = strings.Cut(name, "=")
	if len(name) < 2 {
		return nil, "", false
	}
	return fs.Lookup(name), value, hasValue
}

// printUsage is zkcli -h: on stdout, so that zkcli -h | less works.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: zkcli [flags] [command [args]]\n\n"+
		"With a command, zkcli runs it and exits: 0 on success, 1 when it fails,\n"+
		"2 on a usage error. Without one, it reads commands from stdin, one a line;\n"+
		"the shell exits 1 if any command failed. Flags may also follow the command.\n\n"+
		"flags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintf(w, "\ncommands (zkcli help COMMAND, or COMMAND -h, for one in detail):\n")
	printHelp(w)
}

// parseConfig checks the global flags before anything is dialled.
func parseConfig(server, chroot string, timeout, cmdTimeout time.Duration, auth string) (*config, error) {
	cfg := &config{sessionTimeout: timeout, cmdTimeout: cmdTimeout}
	// A connect string may carry a chroot, as in the Java client:
	// "host1:2181,host2:2181/app".
	if i := strings.IndexByte(server, '/'); i >= 0 {
		if chroot != "" {
			return nil, errors.New("-server has a chroot and -chroot is set too; use one")
		}
		server, chroot = server[:i], server[i:]
	}
	for _, s := range strings.Split(server, ",") {
		if s = strings.TrimSpace(s); s != "" {
			addr, err := withPort(s)
			if err != nil {
				return nil, fmt.Errorf("-server: %v", err)
			}
			cfg.servers = append(cfg.servers, addr)
		}
	}
	if len(cfg.servers) == 0 {
		return nil, errors.New("-server: no server address")
	}
	if chroot != "" && chroot != "/" {
		if err := zk.ValidatePath(chroot, false); err != nil {
			return nil, fmt.Errorf("-chroot: %s", trimZK(err.Error()))
		}
		cfg.chroot = chroot
	}
	if timeout <= 0 {
		return nil, errors.New("-timeout must be positive")
	}
	if cmdTimeout <= 0 {
		return nil, errors.New("-cmd-timeout must be positive")
	}
	if auth != "" {
		scheme, cred, ok := strings.Cut(auth, ":")
		if !ok || scheme == "" {
			return nil, fmt.Errorf("-auth %q: want scheme:credentials, e.g. digest:user:password", auth)
		}
		cfg.authScheme, cfg.authCred = scheme, []byte(cred)
	}
	return cfg, nil
}

// withPort returns addr as host:port, adding port 2181 when it has none
// ("zk1", "10.0.0.1", "::1" and "[::1]" all get it).
func withPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// No port: a bare name, IPv4 address, or IPv6 address with or
		// without brackets.
		if strings.HasPrefix(addr, "[") != strings.HasSuffix(addr, "]") {
			return "", fmt.Errorf("%q is not host:port", addr)
		}
		host = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
		if host == "" || strings.ContainsAny(host, "[]") || (strings.Contains(host, ":") && net.ParseIP(host) == nil) {
			return "", fmt.Errorf("%q is not host:port", addr)
		}
		return net.JoinHostPort(host, defaultPort), nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%q: port %q is not a number from 1 to 65535", addr, port)
	}
	if host == "" {
		return "", fmt.Errorf("%q has no host", addr)
	}
	return addr, nil
}

// runOnce runs one command given on the command line. The command is
// checked before connecting, so a usage error needs no server.
func runOnce(cfg *config, args []string, sys stdio) int {
	cmd, err := parseCommand(args, sys.in)
	if err != nil {
		fmt.Fprintln(sys.err, err)
		return exitUsage
	}
	s := &session{cfg: cfg, out: sys.out, errOut: sys.err, outTerminal: sys.outTerminal}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !cmd.offline {
		c, err := connect(ctx, cfg, false, sys.err)
		if err != nil {
			fmt.Fprintln(sys.err, err)
			return exitFail
		}
		// Closing ends the session at once: ephemeral nodes made by this
		// command go with it.
		defer c.Close()
		s.c = c
		if cmd.endless {
			// A watch runs for long: say when the connection drops.
			defer reportSessionEvents(ctx, c, sys.err)()
		}
	}
	err = s.execute(ctx, cmd)
	if cmd.endless && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		// Ctrl-C is how an endless command (a watch) ends, whichever step
		// it interrupted; as in the shell.
		err = nil
	}
	return s.report(err)
}
