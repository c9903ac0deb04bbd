package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// srv is the server every test shares; bin is the zkcli binary under test.
var (
	srv *zktest.Server
	bin string
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "zkcli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "zkcli")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race") // the CLI's own goroutines get checked too
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building zkcli: %v\n%s", err, out)
		return 1
	}
	return zktest.Main(m, func(s *zktest.Server) { srv = s })
}

// result is what one run of the binary produced.
type result struct {
	stdout, stderr string
	code           int
}

// zkcli runs the binary against the shared server with args and stdin
// (nil: none), and waits for it.
func zkcli(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return zkcliAt(t, srv.Addr(), stdin, args...)
}

// zkcliAt is zkcli against the server at addr.
func zkcliAt(t *testing.T, addr, stdin string, args ...string) result {
	t.Helper()
	return zkcliEnv(t, nil, stdin, append([]string{"-server", addr, "-timeout", "10s"}, args...)...)
}

// zkcliEnv runs the binary with exactly args, and env added to the
// environment (ZK_SERVERS is removed from it unless env sets it).
func zkcliEnv(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx := ctxFor(t, 90*time.Second)
	cmd := exec.CommandContext(ctx, bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ZK_SERVERS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("zkcli %v: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("zkcli %v did not finish: %v", args, ctx.Err())
	}
	return r
}

// ok runs zkcli and fails the test unless it exits 0; it returns stdout.
func ok(t *testing.T, args ...string) string {
	t.Helper()
	r := zkcli(t, "", args...)
	if r.code != 0 {
		t.Fatalf("zkcli %v: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fails runs zkcli, wants exit status code and stderr containing msg.
func fails(t *testing.T, code int, msg string, args ...string) {
	t.Helper()
	r := zkcli(t, "", args...)
	if r.code != code || !strings.Contains(r.stderr, msg) {
		t.Fatalf("zkcli %v: exit %d, stderr %q; want exit %d and %q", args, r.code, r.stderr, code, msg)
	}
}

var seq atomic.Int64

// testPath returns a fresh top-level path for one test.
func testPath(t *testing.T) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return fmt.Sprintf("/%s-%d", name, seq.Add(1))
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// client opens a session of the test's own, to check what zkcli did.
func client(t *testing.T, opts ...zk.Option) *zk.Client {
	t.Helper()
	opts = append([]zk.Option{zk.WithSessionTimeout(10 * time.Second)}, opts...)
	c, err := zk.Connect(ctxFor(t, 30*time.Second), []string{srv.Addr()}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var open = zk.WorldACL(zk.PermAll)

func mustCreate(t *testing.T, c *zk.Client, p, data string) {
	t.Helper()
	if _, err := c.Create(ctxFor(t, 10*time.Second), p, []byte(data), zk.Persistent, open); err != nil {
		t.Fatalf("create %s: %v", p, err)
	}
}

func exists(t *testing.T, c *zk.Client, p string) bool {
	t.Helper()
	ok, _, err := c.Exists(ctxFor(t, 10*time.Second), p)
	if err != nil {
		t.Fatalf("exists %s: %v", p, err)
	}
	return ok
}
