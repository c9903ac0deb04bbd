package zktest

import (
	"context"
	"errors"
	"fmt"
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

// Option adjusts a server's configuration.
type Option func(*options)

type options struct {
	cfg       []string // extra zoo.cfg lines
	jvm       []string // extra -D properties
	minTO     int
	maxTO     int
	tickTime  int
	readyWait time.Duration
}

// WithConfig adds zoo.cfg lines ("key=value").
func WithConfig(lines ...string) Option { return func(o *options) { o.cfg = append(o.cfg, lines...) } }

// WithJVMProperty adds a -Dkey=value JVM option (for properties that are not
// zoo.cfg keys: readonlymode.enabled, jute.maxbuffer, ...).
func WithJVMProperty(key, value string) Option {
	return func(o *options) { o.jvm = append(o.jvm, "-D"+key+"="+value) }
}

// WithSessionTimeouts sets the server's session timeout bounds.
func WithSessionTimeouts(min, max time.Duration) Option {
	return func(o *options) { o.minTO, o.maxTO = int(min.Milliseconds()), int(max.Milliseconds()) }
}

// WithTickTime sets tickTime (default 2000 ms).
func WithTickTime(d time.Duration) Option {
	return func(o *options) { o.tickTime = int(d.Milliseconds()) }
}

func buildOptions(opts []Option) options {
	o := options{minTO: 4000, maxTO: 40000, tickTime: 2000, readyWait: 90 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// Server is one ZooKeeper server process (standalone, or a member of an
// Ensemble) on a loopback port.
type Server struct {
	dir     string // data dir, config and log live here
	port    int
	mainCls string // java main class
	in      install
	jvm     []string
	quorum  bool // ensemble member: ready means leader or follower

	mu  sync.Mutex
	cmd *exec.Cmd     // guarded by mu; nil when stopped
	ex  chan struct{} // closed when cmd has exited; guarded by mu
}

// StartServer starts a standalone server on a free loopback port and waits
// until it answers.
func StartServer(opts ...Option) (*Server, error) {
	in, err := findInstall()
	if err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	dir, err := os.MkdirTemp("", "zktest-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Server{dir: dir, port: port, in: in, mainCls: "org.apache.zookeeper.server.ZooKeeperServerMain",
		jvm: append([]string{"-Dznode.container.checkIntervalMs=1000"}, o.jvm...)}
	cfg := baseConfig(o, filepath.Join(dir, "data"), port)
	if err := s.writeConfig(cfg); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func baseConfig(o options, dataDir string, port int) []string {
	cfg := []string{
		"tickTime=" + strconv.Itoa(o.tickTime),
		"dataDir=" + dataDir,
		"clientPort=" + strconv.Itoa(port),
		"clientPortAddress=127.0.0.1",
		"admin.enableServer=false",
		"4lw.commands.whitelist=*",
		"extendedTypesEnabled=true",
		"maxClientCnxns=0",
		"minSessionTimeout=" + strconv.Itoa(o.minTO),
		"maxSessionTimeout=" + strconv.Itoa(o.maxTO),
	}
	return append(cfg, o.cfg...)
}

func (s *Server) writeConfig(lines []string) error {
	if err := os.MkdirAll(filepath.Join(s.dir, "data"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.dir, "zoo.cfg"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Dir returns the server's directory (config, data, server.log).
func (s *Server) Dir() string { return s.dir }

// Start launches the server process (again, after Stop or Kill: same port,
// same data) and waits until it is ready.
func (s *Server) Start() error {
	if err := s.launch(); err != nil {
		return err
	}
	return s.waitReady(90 * time.Second)
}

func (s *Server) launch() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("zktest: server already running")
	}
	logf, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := append([]string{"-cp", s.in.classpath, "-Xmx256m", "-Dzookeeper.root.logger=INFO,CONSOLE"}, s.jvm...)
	args = append(args, s.mainCls, filepath.Join(s.dir, "zoo.cfg"))
	cmd := exec.Command(s.in.java, args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so a Ctrl-C on the test run does not race
	// our orderly stop.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("zktest: start java: %w", err)
	}
	ex := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(ex) }()
	s.cmd, s.ex = cmd, ex
	return nil
}

// waitReady polls until the server serves (srvr reports its mode), or the
// process dies, or the time is up.
func (s *Server) waitReady(within time.Duration) error {
	deadline := time.Now().Add(within)
	s.mu.Lock()
	ex := s.ex
	s.mu.Unlock()
	for time.Now().Before(deadline) {
		select {
		case <-ex:
			return fmt.Errorf("zktest: server on port %d exited during startup; log tail:\n%s", s.port, s.logTail())
		default:
		}
		// ruok answers before the server serves requests; srvr tells.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		ans, err := FourLetter(ctx, s.Addr(), "srvr")
		cancel()
		m := ParseMode(ans)
		if err == nil && (m == "leader" || m == "follower" || (!s.quorum && m == "standalone")) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("zktest: server on port %d not ready within %v; log tail:\n%s", s.port, within, s.logTail())
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// Stop ends the server with SIGTERM (SIGKILL after 10 s) and waits for it.
func (s *Server) Stop() error { return s.stop(syscall.SIGTERM) }

// Kill ends the server with SIGKILL, as a crash.
func (s *Server) Kill() error { return s.stop(syscall.SIGKILL) }

func (s *Server) stop(sig syscall.Signal) error {
	s.mu.Lock()
	cmd, ex := s.cmd, s.ex
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-ex:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-ex
	}
	return nil
}

// Restart stops the server and starts it again on the same port with the
// same data.
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.Start()
}

// Running reports whether the process is up.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// Close stops the server and removes its directory.
func (s *Server) Close() error {
	err := s.Stop()
	os.RemoveAll(s.dir)
	return err
}

// FourLetter sends a four-letter word to this server.
func (s *Server) FourLetter(ctx context.Context, cmd string) (string, error) {
	return FourLetter(ctx, s.Addr(), cmd)
}

// WatchCount returns the server's total data-watch count (wchs).
func (s *Server) WatchCount(ctx context.Context) (int, error) {
	ans, err := s.FourLetter(ctx, "wchs")
	if err != nil {
		return 0, err
	}
	return ParseTotalWatches(ans)
}

// WatchesBySession returns the data watches per session (wchc).
func (s *Server) WatchesBySession(ctx context.Context) (map[int64][]string, error) {
	ans, err := s.FourLetter(ctx, "wchc")
	if err != nil {
		return nil, err
	}
	return ParseWatchesBySession(ans)
}

// Mode returns the server's mode (standalone, leader, follower, read-only).
func (s *Server) Mode(ctx context.Context) (string, error) {
	ans, err := s.FourLetter(ctx, "srvr")
	if err != nil {
		return "", err
	}
	return ParseMode(ans), nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
