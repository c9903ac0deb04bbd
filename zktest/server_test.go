package zktest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk/fourletter"
)

func TestServerStopStartRestartKill(t *testing.T) {
	s := StartServerT(t, WithSessionTimeouts(4*time.Second, 20*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	addr := s.Addr()
	if !strings.HasPrefix(addr, "127.0.0.1:") || !s.Running() {
		t.Fatalf("Addr %q, Running %v", addr, s.Running())
	}
	cfg, err := os.ReadFile(filepath.Join(s.Dir(), "zoo.cfg"))
	if err != nil || !strings.Contains(string(cfg), "maxSessionTimeout=20000\n") {
		t.Fatalf("zoo.cfg: %q, %v", cfg, err)
	}
	if err := s.Start(); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("Start of a running server: %v", err)
	}
	// A session, which lives in the data dir: it must survive restarts.
	sess := rawConnect(t, addr, 0, nil)
	if sess.timeout == 0 {
		t.Fatal("no session")
	}

	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Fatalf("Restart moved the server from %s to %s", addr, s.Addr())
	}
	if again := rawConnect(t, addr, sess.id, sess.password); again.timeout == 0 {
		t.Fatal("the session did not survive a restart: the data dir was not kept")
	}

	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	if s.Running() {
		t.Fatal("Running after Kill")
	}
	if _, err := s.FourLetter(ctx, "ruok"); err == nil {
		t.Fatal("a killed server answers ruok")
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop of a stopped server: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if again := rawConnect(t, addr, sess.id, sess.password); again.timeout == 0 {
		t.Fatal("the session did not survive a crash")
	}
	if m, err := s.Mode(ctx); err != nil || m != "standalone" {
		t.Fatalf("Mode = %q, %v", m, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Dir()); !os.IsNotExist(err) {
		t.Fatalf("Close left %s: %v", s.Dir(), err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestStartFailureShowsTheLog(t *testing.T) {
	if err := Installed(); err != nil {
		skipOrFail(t, err)
	}
	before := SnapshotGoroutines()
	_, err := StartServer(WithConfig("tickTime=notanumber"))
	if err == nil {
		t.Fatal("a server with tickTime=notanumber started")
	}
	if !strings.Contains(err.Error(), "exited while starting") || !strings.Contains(err.Error(), "notanumber") {
		t.Fatalf("the error does not say what happened: %v", err)
	}
	if _, err := StartServer(WithConfig("no equals sign")); err == nil {
		t.Fatal("a bad zoo.cfg line was accepted")
	}
	if err := CheckGoroutines(before, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestExternalServer(t *testing.T) {
	s := External("127.0.0.1:1", "127.0.0.1:2")
	if s.Addr() != "127.0.0.1:1" || len(s.Addrs()) != 2 || !s.Running() {
		t.Fatalf("Addr %q, Addrs %v", s.Addr(), s.Addrs())
	}
	for name, f := range map[string]func() error{"Start": s.Start, "Stop": s.Stop, "Restart": s.Restart, "Kill": s.Kill} {
		if err := f(); !errors.Is(err, ErrExternal) {
			t.Errorf("%s on an external server: %v, want ErrExternal", name, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close on an external server: %v", err)
	}
	t.Setenv("ZK_TEST_SERVERS", " 127.0.0.1:5, 127.0.0.1:6 ,")
	if got := externalAddrs(); len(got) != 2 || got[0] != "127.0.0.1:5" || got[1] != "127.0.0.1:6" {
		t.Fatalf("externalAddrs = %q", got)
	}
}

// fakeTB records how a helper ended a test.
type fakeTB struct {
	testing.TB
	mu      sync.Mutex
	skipped string
	failed  string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.mu.Lock()
	f.skipped = format
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeTB) Fatal(args ...any) {
	f.mu.Lock()
	f.failed = "fatal"
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeTB) Cleanup(func()) {}

// run calls helper as a test would, in its own goroutine (Skip and Fatal
// end it).
func (f *fakeTB) run(helper func(testing.TB)) {
	done := make(chan struct{})
	go func() { defer close(done); helper(f) }()
	<-done
}

func TestNoInstallSkipsOrFails(t *testing.T) {
	t.Setenv("ZKTEST_CLASSPATH", "")
	t.Setenv("ZOOKEEPER_JAR", filepath.Join(t.TempDir(), "missing.jar"))
	if err := Installed(); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Installed with a missing jar: %v", err)
	}
	t.Setenv("CI", "")
	f := &fakeTB{TB: t}
	f.run(func(tb testing.TB) { StartServerT(tb) })
	if f.skipped == "" || f.failed != "" {
		t.Fatalf("outside CI: skipped %q, failed %q; want a skip", f.skipped, f.failed)
	}
	t.Setenv("CI", "true")
	f = &fakeTB{TB: t}
	f.run(func(tb testing.TB) { StartEnsembleT(tb, 3) })
	if f.failed == "" || f.skipped != "" {
		t.Fatalf("in CI: skipped %q, failed %q; want a failure", f.skipped, f.failed)
	}
	t.Setenv("JAVA_HOME", t.TempDir())
	t.Setenv("ZOOKEEPER_JAR", "")
	if err := Installed(); !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "java") {
		t.Fatalf("Installed without java: %v", err)
	}
}

// A server whose whitelist leaves out ruok (the default whitelist is srvr
// alone) still starts: readiness is judged by srvr.
func TestStartServerRestrictedWhitelist(t *testing.T) {
	s := StartServerT(t, WithConfig("4lw.commands.whitelist=srvr"), WithStartTimeout(20*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if m, err := s.Mode(ctx); err != nil || m != "standalone" {
		t.Fatalf("Mode = %q, %v", m, err)
	}
}

// The server adds srvr to every whitelist (zkServer.sh needs it), so
// probing with srvr works whatever the whitelist says.
func TestStartServerWhitelistWithoutSrvr(t *testing.T) {
	s := StartServerT(t, WithConfig("4lw.commands.whitelist=ruok"), WithStartTimeout(20*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if m, err := s.Mode(ctx); err != nil || m != "standalone" {
		t.Fatalf("Mode = %q, %v", m, err)
	}
	if _, err := s.FourLetter(ctx, "wchs"); !errors.Is(err, fourletter.ErrNotWhitelisted) {
		t.Fatalf("wchs off the whitelist: %v", err)
	}
}
