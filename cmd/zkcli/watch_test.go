package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk/zktest"
)

// live is a zkcli process whose output is read line by line as it comes.
type live struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    chan string   // stdout lines
	errs   chan string   // stderr lines
	exited chan struct{} // closed when the process has been waited for
	err    error         // Wait's result, set before exited closes
}

// start runs zkcli against the shared server with pipes on stdin, stdout
// and stderr. The process is killed if the test ends with it running.
func start(t *testing.T, args ...string) *live {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-server", srv.Addr(), "-timeout", "10s"}, args...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	l := &live{cmd: cmd, stdin: stdin, out: make(chan string, 100), errs: make(chan string, 100), exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pump := func(r io.Reader, ch chan string) <-chan struct{} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				ch <- sc.Text()
			}
		}()
		return done
	}
	outDone, errDone := pump(stdout, l.out), pump(stderr, l.errs)
	go func() {
		// Wait closes the pipes, so read them to the end first.
		<-outDone
		<-errDone
		l.err = cmd.Wait()
		close(l.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill() // an error only says it has exited already
		<-l.exited
	})
	return l
}

// next returns the next line on ch, failing the test after a while.
func next(t *testing.T, ch <-chan string, what string) string {
	t.Helper()
	select {
	case line := <-ch:
		return line
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s line within 30s", what)
	}
	return ""
}

// expect checks that the next lines on stdout are want, in any order
// (updates of data and children come from separate watches).
func (l *live) expect(t *testing.T, want ...string) {
	t.Helper()
	got := make([]string, len(want))
	for i := range got {
		got[i] = next(t, l.out, "stdout")
	}
	sort.Strings(got)
	want = append([]string(nil), want...)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got lines\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// interrupt sends SIGINT and wants exit status 0 within a few seconds.
func (l *live) interrupt(t *testing.T) {
	t.Helper()
	if err := l.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	l.wantExit(t, 0)
}

func (l *live) wantExit(t *testing.T, code int) {
	t.Helper()
	select {
	case <-l.exited:
		var ee *exec.ExitError
		got := 0
		if errors.As(l.err, &ee) {
			got = ee.ExitCode()
		} else if l.err != nil {
			t.Fatal(l.err)
		}
		if got != code {
			t.Fatalf("exit status %d, want %d", got, code)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("zkcli did not exit within 15s")
	}
}

func TestWatch(t *testing.T) {
	c := client(t)
	ctx := ctxFor(t, 2*time.Minute)
	p := testPath(t)
	mustCreate(t, c, p, "v0")
	l := start(t, "watch", p)
	if line := next(t, l.errs, "stderr"); line != "watching "+p+": its data and children; Ctrl-C to stop" {
		t.Fatalf("stderr: %q", line)
	}
	l.expect(t, `data `+p+` dataVersion=0 "v0"`, "children "+p+" cversion=0 []")

	if _, err := c.Set(ctx, p, []byte("v1"), -1); err != nil {
		t.Fatal(err)
	}
	l.expect(t, `data `+p+` dataVersion=1 "v1"`)
	mustCreate(t, c, p+"/a", "")
	l.expect(t, "children "+p+" cversion=1 [\"a\"]")
	if err := c.Delete(ctx, p+"/a", -1); err != nil {
		t.Fatal(err)
	}
	l.expect(t, "children "+p+" cversion=2 []")
	if err := c.Delete(ctx, p, -1); err != nil {
		t.Fatal(err)
	}
	l.expect(t, "data "+p+" does not exist", "children "+p+" does not exist")
	mustCreate(t, c, p, "again")
	l.expect(t, `data `+p+` dataVersion=0 "again"`, "children "+p+" cversion=0 []")

	l.interrupt(t)
}

func TestWatchRecursive(t *testing.T) {
	c := client(t)
	ctx := ctxFor(t, 2*time.Minute)
	p := testPath(t)
	mustCreate(t, c, p, "")
	l := start(t, "watch", "-r", p)
	if line := next(t, l.errs, "stderr"); line != "watching "+p+": it and every node below it; Ctrl-C to stop" {
		t.Fatalf("stderr: %q", line)
	}
	mustCreate(t, c, p+"/a", "")
	l.expect(t, "NodeCreated "+p+"/a")
	if _, err := c.Set(ctx, p+"/a", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	l.expect(t, "NodeDataChanged "+p+"/a")
	mustCreate(t, c, p+"/a/b", "")
	l.expect(t, "NodeCreated "+p+"/a/b")
	if err := c.Delete(ctx, p+"/a/b", -1); err != nil {
		t.Fatal(err)
	}
	l.expect(t, "NodeDeleted "+p+"/a/b")
	if _, err := c.Set(ctx, p, []byte("root"), -1); err != nil {
		t.Fatal(err)
	}
	l.expect(t, "NodeDataChanged "+p)
	l.interrupt(t)
	select {
	case line := <-l.out:
		t.Errorf("unexpected output %q", line)
	default:
	}
}

// TestShellWatchInterrupt: in the shell, Ctrl-C ends the running watch
// only; the shell goes on with the next command.
func TestShellWatchInterrupt(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "v0")
	l := start(t)
	io.WriteString(l.stdin, "watch "+p+"\n")
	l.expect(t, `data `+p+` dataVersion=0 "v0"`, "children "+p+" cversion=0 []")
	if err := l.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	io.WriteString(l.stdin, "get "+p+"\n")
	l.expect(t, "v0")
	l.stdin.Close()
	l.wantExit(t, 0)
	if _, _, err := c.Get(ctxFor(t, 10*time.Second), p); err != nil {
		t.Fatal(err)
	}
}

// TestWatchSessionEvents: both watches report a dropped connection the
// same way, "session: Disconnected", as the shell does.
func TestWatchSessionEvents(t *testing.T) {
	for _, args := range [][]string{{"watch", "/"}, {"watch", "-r", "/"}} {
		p, err := zktest.NewProxy(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		l := start(t, append([]string{"-server", p.Addr()}, args...)...)
		if line := next(t, l.errs, "stderr"); !strings.HasPrefix(line, "watching /: ") {
			t.Fatalf("%v: stderr %q", args, line)
		}
		p.Cut()
		if line := next(t, l.errs, "stderr"); line != "session: Disconnected" {
			t.Errorf("%v: stderr %q after the connection dropped", args, line)
		}
		if err := l.cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		<-l.exited
		var rest []string
		for len(l.errs) > 0 {
			rest = append(rest, <-l.errs)
		}
		if l.err != nil {
			t.Errorf("%v: %v; stderr after the drop: %q", args, l.err, rest)
		}
	}
}
