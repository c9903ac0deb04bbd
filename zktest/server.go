package zktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	standaloneMain = "org.apache.zookeeper.server.ZooKeeperServerMain"
	quorumMain     = "org.apache.zookeeper.server.quorum.QuorumPeerMain"

	// stopTimeout is how long Stop waits after SIGTERM before SIGKILL.
	// ZooKeeper 3.8 exits in 1-2 s (protocol.md §12.3).
	stopTimeout = 10 * time.Second
	// startAttempts bounds the retries when another process took a port
	// between freePort closing it and the JVM binding it.
	startAttempts = 3
	// probeTimeout bounds each readiness probe: a four-letter word sent
	// while the server is still starting may never be answered
	// (protocol.md §12.3).
	probeTimeout = time.Second
)

// Server is one ZooKeeper server: a JVM that zktest started (standalone, or
// a member of an Ensemble) with its directory (zoo.cfg, data/, server.log),
// or a server someone else runs (External, ZK_TEST_SERVERS).
//
// Its methods may be called from several goroutines.
type Server struct {
	dir          string
	port         int
	adminPort    int      // 0: no AdminServer
	addrs        []string // External only
	external     bool
	quorum       bool   // ensemble member: ready means leader or follower
	myid         int    // ensemble member: its server id
	spec         string // ensemble member: its servers-list line
	mainClass    string
	in           install
	jvm          []string
	startTimeout time.Duration

	mu   sync.Mutex
	proc *process // the last process started; nil before the first; guarded by mu
}

// process is one run of the JVM.
type process struct {
	cmd       *exec.Cmd
	logOffset int64         // where this run's output starts in server.log
	done      chan struct{} // closed once the process has exited and been reaped
	err       error         // cmd.Wait's result; read only after done is closed
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// StartServer starts a standalone server on a free loopback port, with its
// own temporary directory, and waits until it serves. Close it when done.
// It returns an error wrapping ErrNotInstalled when there is no server or
// no java to run.
func StartServer(opts ...Option) (*Server, error) {
	o, err := buildOptions(opts, 60*time.Second)
	if err != nil {
		return nil, err
	}
	in, err := findInstall()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "zktest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, in: in, mainClass: standaloneMain, startTimeout: o.startTimeout}
	if err := s.prepare(o); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		ports, err := freePorts(2)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s.port = ports[0]
		if o.admin {
			s.adminPort = ports[1]
		}
		if err := s.writeConfig(baseConfig(o, s.dataDir(), s.port, adminConfig(s.adminPort)...)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		err = s.Start()
		if err == nil {
			return s, nil
		}
		if attempt == startAttempts || !s.portClash() {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

// prepare writes the server's logging setup and fixes its JVM options.
func (s *Server) prepare(o options) error {
	if err := os.MkdirAll(s.dataDir(), 0o755); err != nil {
		return err
	}
	// Our own log4j setup: everything at INFO to stdout, which is
	// server.log (the classpath's log4j.properties could log elsewhere).
	l4j := filepath.Join(s.dir, "log4j.properties")
	const conf = "log4j.rootLogger=INFO, CONSOLE\n" +
		"log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\n" +
		"log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\n" +
		"log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p [%t:%C{1}@%L] - %m%n\n"
	if err := os.WriteFile(l4j, []byte(conf), 0o644); err != nil {
		return err
	}
	s.jvm = append([]string{
		"-Xmx256m",
		// One GC thread instead of G1's pool: test machines have few
		// cores and several JVMs.
		"-XX:+UseSerialGC",
		// No /tmp/hsperfdata files, which a killed JVM leaves behind.
		"-XX:+PerfDisableSharedMem",
		"-Dlog4j.configuration=file:" + l4j,
		// Container and TTL nodes are reaped within a second instead of
		// a minute (protocol.md §12.2).
		"-Dznode.container.checkIntervalMs=1000",
	}, o.jvm...)
	return nil
}

// baseConfig is the zoo.cfg of protocol.md §12.2/12.3; extra lines come
// next, and the caller's WithConfig lines last so that they win.
func baseConfig(o options, dataDir string, port int, extra ...string) []string {
	cfg := []string{
		"tickTime=" + strconv.Itoa(o.tickTime),
		"dataDir=" + dataDir,
		"clientPort=" + strconv.Itoa(port),
		"clientPortAddress=127.0.0.1",
		"admin.enableServer=false", // no HTTP server on port 8080
		"4lw.commands.whitelist=*", // readiness checks, wchs/wchc/cons in tests
		"extendedTypesEnabled=true",
		"maxClientCnxns=0",
		"minSessionTimeout=" + strconv.Itoa(o.minTO),
		"maxSessionTimeout=" + strconv.Itoa(o.maxTO),
	}
	cfg = append(cfg, extra...)
	return append(cfg, o.cfg...)
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

func (s *Server) writeConfig(lines []string) error {
	return os.WriteFile(filepath.Join(s.dir, "zoo.cfg"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// External returns a Server for servers that someone else runs. Addr is
// the first address, Addrs all of them; the four-letter-word helpers talk
// to the first. Start, Stop, Restart and Kill return ErrExternal; Close
// does nothing.
func External(addrs ...string) *Server {
	return &Server{external: true, addrs: append([]string(nil), addrs...)}
}

// Addr returns the client address, "127.0.0.1:port".
func (s *Server) Addr() string {
	if s.external {
		if len(s.addrs) == 0 {
			return ""
		}
		return s.addrs[0]
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// Addrs returns the client addresses: Addr alone, or every external server.
func (s *Server) Addrs() []string {
	if s.external {
		return append([]string(nil), s.addrs...)
	}
	return []string{s.Addr()}
}

// AdminURL returns the base URL of the server's AdminServer,
// "http://127.0.0.1:port" (commands under /commands/), or "" when it was
// not started WithAdminServer.
func (s *Server) AdminURL() string {
	if s.adminPort == 0 {
		return ""
	}
	return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.adminPort))
}

// MyID returns an ensemble member's server id (1 for the first), 0 for a
// standalone or external server.
func (s *Server) MyID() int { return s.myid }

// QuorumSpec returns an ensemble member's line of the servers list,
// "server.N=127.0.0.1:quorumPort:electionPort:participant;127.0.0.1:clientPort"
// (a joining server for IncrementalReconfig), "" for other servers.
func (s *Server) QuorumSpec() string { return s.spec }

// Dir returns the server's directory: zoo.cfg, data/ and server.log
// ("" for an external server).
func (s *Server) Dir() string { return s.dir }

// LogPath returns the file the server logs to ("" for an external server).
func (s *Server) LogPath() string {
	if s.external {
		return ""
	}
	return filepath.Join(s.dir, "server.log")
}

// Running reports whether the server's process is up (true for an
// external server, which zktest cannot tell).
func (s *Server) Running() bool {
	if s.external {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil && !s.proc.exited()
}

// Start launches the server after Stop or Kill, on the same port with the
// same data, and waits until it serves (an ensemble member: until it is
// leader or follower, so its quorum must be up). A start that fails leaves
// no process behind; the error ends with the server log.
func (s *Server) Start() error {
	if s.external {
		return s.errExternal("start")
	}
	p, err := s.launch()
	if err != nil {
		return err
	}
	if err := s.waitReady(p, s.startTimeout); err != nil {
		s.stopProcess(p, os.Kill)
		return err
	}
	return nil
}

// Restart stops the server (SIGTERM) and starts it again on the same port
// with the same data.
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.Start()
}

// Stop ends the server with SIGTERM, as an orderly shutdown, and waits for
// the process to exit; after 10 s it sends SIGKILL. Stopping a stopped
// server does nothing.
func (s *Server) Stop() error { return s.stop("stop", syscall.SIGTERM) }

// Kill ends the server with SIGKILL, as a crash (nothing is flushed or
// closed cleanly), and waits for the process to exit.
func (s *Server) Kill() error { return s.stop("kill", os.Kill) }

// Close stops the server and removes its directory. It may be called more
// than once; on an external server it does nothing.
func (s *Server) Close() error {
	if s.external {
		return nil
	}
	err := s.Stop()
	if rerr := os.RemoveAll(s.dir); err == nil {
		err = rerr
	}
	return err
}

func (s *Server) errExternal(op string) error {
	return fmt.Errorf("%w (%s %s)", ErrExternal, op, s.Addr())
}

func (s *Server) stop(op string, sig os.Signal) error {
	if s.external {
		return s.errExternal(op)
	}
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil || p.exited() {
		return nil
	}
	s.stopProcess(p, sig)
	return nil
}

// stopProcess signals p and waits for it to exit, with SIGKILL after
// stopTimeout. Only the recorded process is signalled, never anything
// found by name: other ZooKeeper JVMs may share the machine.
func (s *Server) stopProcess(p *process, sig os.Signal) {
	if err := p.cmd.Process.Signal(sig); err != nil && !p.exited() {
		_ = p.cmd.Process.Kill() // no signals on this platform
	}
	t := time.NewTimer(stopTimeout)
	defer t.Stop()
	select {
	case <-p.done:
		return
	case <-t.C:
	}
	_ = p.cmd.Process.Kill()
	<-p.done // SIGKILL cannot be refused
}

// launch starts the JVM directly (no shell, so the PID is the JVM's),
// appending its output to server.log.
func (s *Server) launch() (*process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil && !s.proc.exited() {
		return nil, fmt.Errorf("zktest: server %s is already running (pid %d)", s.Addr(), s.proc.cmd.Process.Pid)
	}
	logf, err := os.OpenFile(s.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	off, err := logf.Seek(0, io.SeekEnd)
	if err != nil {
		logf.Close()
		return nil, err
	}
	args := append([]string{"-cp", s.in.classpath}, s.jvm...)
	args = append(args, s.mainClass, filepath.Join(s.dir, "zoo.cfg"))
	fmt.Fprintf(logf, "=== zktest %s: %s %s\n", time.Now().Format(time.RFC3339Nano), s.in.java, strings.Join(args, " "))
	cmd := exec.Command(s.in.java, args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("zktest: starting %s: %w", s.in.java, err)
	}
	p := &process{cmd: cmd, logOffset: off, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	s.proc = p
	return p, nil
}

// waitReady polls until the server serves, the process dies, or within
// has passed.
func (s *Server) waitReady(p *process, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		if p.exited() {
			return fmt.Errorf("zktest: server %s exited while starting (%v); its log:\n%s", s.Addr(), p.err, s.logTail(p))
		}
		last, ok := s.probe()
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("zktest: server %s not ready after %v (last probe: %s); its log:\n%s", s.Addr(), within, last, s.logTail(p))
		}
		select {
		case <-p.done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// probe reports whether the server serves: srvr reports a serving mode.
// The server adds srvr to every whitelist (zkServer.sh needs it); ruok is
// no help,
// as it answers imok before the server serves requests and on an
// ensemble member that has no quorum yet.
func (s *Server) probe() (string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	m, err := probeSrvr(ctx, s.Addr())
	switch {
	case err != nil:
		return "srvr: " + err.Error(), false
	case m == "standalone" && !s.quorum, (m == "leader" || m == "follower") && s.quorum:
		return m, true
	case m == "":
		return "not serving yet", false
	default:
		return "mode " + m, false
	}
}

// portClash reports whether the last run failed because a port was taken.
func (s *Server) portClash() bool {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	return p != nil && strings.Contains(s.logTail(p), "Address already in use")
}

// logTail returns the end of p's part of server.log.
func (s *Server) logTail(p *process) string {
	const max = 6000
	f, err := os.Open(s.LogPath())
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	from := p.logOffset
	if fi.Size()-from > max {
		from = fi.Size() - max
	}
	b, err := io.ReadAll(io.NewSectionReader(f, from, fi.Size()-from))
	if err != nil {
		return "(log unreadable: " + err.Error() + ")"
	}
	return string(b)
}

// FourLetter sends a four-letter word to the server (to the first address
// of an external one).
func (s *Server) FourLetter(ctx context.Context, cmd string) (string, error) {
	return FourLetter(ctx, s.Addr(), cmd)
}

// Mode returns what srvr says the server is: "standalone", "leader",
// "follower", "observer" or "read-only".
func (s *Server) Mode(ctx context.Context) (string, error) {
	ans, err := s.FourLetter(ctx, "srvr")
	if err != nil {
		return "", err
	}
	if m := ParseMode(ans); m != "" {
		return m, nil
	}
	return "", fmt.Errorf("zktest: no mode in the srvr answer of %s: %q", s.Addr(), ans)
}

// WaitMode polls until the server's mode is one of modes (a member that
// lost its quorum turning "read-only", a new leader after an election),
// or ctx ends.
func (s *Server) WaitMode(ctx context.Context, modes ...string) error {
	var last string
	for {
		m, err := s.Mode(ctx)
		if err == nil {
			for _, want := range modes {
				if m == want {
					return nil
				}
			}
			last = "mode " + m
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("zktest: %s never became %s (last: %s): %w", s.Addr(), strings.Join(modes, " or "), last, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// WatchCount returns the number of data watches on the server (wchs:
// exists, getData and persistent watches; child watches are not counted).
func (s *Server) WatchCount(ctx context.Context) (int, error) {
	ans, err := s.FourLetter(ctx, "wchs")
	if err != nil {
		return 0, err
	}
	return ParseTotalWatches(ans)
}

// WatchesBySession returns the data watches per session id (wchc).
// Sessions without watches are absent.
func (s *Server) WatchesBySession(ctx context.Context) (map[int64][]string, error) {
	ans, err := s.FourLetter(ctx, "wchc")
	if err != nil {
		return nil, err
	}
	return ParseWatchesBySession(ans)
}

// Connections returns the number of client connections the server has,
// not counting the one that asks (srvr).
func (s *Server) Connections(ctx context.Context) (int, error) {
	ans, err := s.FourLetter(ctx, "srvr")
	if err != nil {
		return 0, err
	}
	n, err := ParseConnections(ans)
	if err != nil {
		return 0, err
	}
	return n - 1, nil
}

// freePorts returns n distinct free loopback ports. The listeners are all
// held until every port is chosen, so the kernel cannot hand one out
// twice; another process may still take one before the server binds it,
// which the callers detect and retry.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("zktest: no free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

var errPortClash = errors.New("zktest: a port was taken before the server bound it")
