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
// when stdin is a terminal. See README.md for every verb.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
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

func main() {
	fi, err := os.Stdin.Stat()
	terminal := err == nil && fi.Mode()&os.ModeCharDevice != 0
	os.Exit(run(os.Args[1:], os.Stdin, terminal, os.Stdout, os.Stderr))
}

// config is what the global flags say.
type config struct {
	servers        []string
	chroot         string
	sessionTimeout time.Duration
	cmdTimeout     time.Duration
	authScheme     string
	authCred       []byte
}

// run is main without os.Exit, so every deferred Close runs first.
func run(argv []string, stdin io.Reader, terminal bool, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zkcli", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "127.0.0.1:2181", "comma-separated `host:port` list, optionally followed by a chroot (host:port/app)")
	chroot := fs.String("chroot", "", "make every `path` relative to this node")
	timeout := fs.Duration("timeout", 30*time.Second, "requested session timeout")
	cmdTimeout := fs.Duration("cmd-timeout", time.Minute, "how long connecting and each command may take (watch runs until Ctrl-C)")
	auth := fs.String("auth", "", "credentials `scheme:cred` sent on connect, e.g. digest:user:password")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: zkcli [flags] [command [args]]\n\nWithout a command, zkcli reads commands from stdin.\n\nflags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\ncommands:\n")
		printHelp(stderr)
	}
	if err := fs.Parse(argv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	cfg, err := parseConfig(*server, *chroot, *timeout, *cmdTimeout, *auth)
	if err != nil {
		fmt.Fprintln(stderr, "zkcli:", err)
		return exitUsage
	}
	if fs.NArg() == 0 {
		return runShell(cfg, stdin, terminal, stdout, stderr)
	}
	return runOnce(cfg, fs.Args(), stdout, stderr)
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
			cfg.servers = append(cfg.servers, s)
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

// connect opens the session, giving up after -cmd-timeout.
func connect(ctx context.Context, cfg *config, interactive bool) (*zk.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.cmdTimeout)
	defer cancel()
	opts := []zk.Option{zk.WithSessionTimeout(cfg.sessionTimeout)}
	if cfg.chroot != "" {
		opts = append(opts, zk.WithChroot(cfg.chroot))
	}
	if cfg.authScheme != "" {
		opts = append(opts, zk.WithAuth(cfg.authScheme, cfg.authCred))
	}
	if interactive {
		// A shell outlives sessions: after expiry it goes on with a new
		// one (and says so) rather than failing every later command.
		opts = append(opts, zk.WithNewSessionOnExpiry())
	}
	c, err := zk.Connect(ctx, cfg.servers, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %s", strings.Join(cfg.servers, ","), trimZK(err.Error()))
	}
	return c, nil
}

// runOnce runs one command given on the command line. The command is
// checked before connecting, so a usage error needs no server.
func runOnce(cfg *config, args []string, stdout, stderr io.Writer) int {
	cmd, err := parseCommand(args)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	s := &session{cfg: cfg, out: stdout, errOut: stderr}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !cmd.verb.offline {
		c, err := connect(ctx, cfg, false)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitFail
		}
		// Closing ends the session at once: ephemeral nodes made by this
		// command go with it.
		defer c.Close()
		s.c = c
	}
	return s.report(s.execute(ctx, cmd))
}
