package main

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair with the standard library only
// (Linux ioctls): the test drives the master, zkcli gets the slave as its
// terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlockpt: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatalf("ptsname: %v", e)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	return master, slave
}

// terminal is zkcli running on a pseudo-terminal, as a user sees it.
type terminal struct {
	master *os.File
	screen chan []byte // what zkcli and the line discipline wrote
	buf    bytes.Buffer
}

// waitFor reads the screen until it contains want, and returns all of it.
func (tm *terminal) waitFor(t *testing.T, want string) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for !strings.Contains(tm.buf.String(), want) {
		select {
		case b, ok := <-tm.screen:
			if !ok {
				t.Fatalf("terminal closed before %q; screen:\n%s", want, tm.buf.String())
			}
			tm.buf.Write(b)
		case <-deadline:
			t.Fatalf("no %q on the terminal within 30s; screen:\n%s", want, tm.buf.String())
		}
	}
	return tm.buf.String()
}

func startOnTerminal(t *testing.T, args ...string) *terminal {
	t.Helper()
	master, slave := openPTY(t)
	cmd := exec.Command(bin, append([]string{"-server", srv.Addr(), "-timeout", "10s"}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	// A session of its own with the terminal as its controlling one, so
	// that Ctrl-C typed on it reaches zkcli as SIGINT.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	tm := &terminal{master: master, screen: make(chan []byte, 100)}
	go func() {
		defer close(tm.screen)
		for {
			b := make([]byte, 4096)
			n, err := master.Read(b)
			if n > 0 {
				tm.screen <- b[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	return tm
}

// TestPromptAfterInterrupt: when Ctrl-C stops a watch in the shell, the
// next prompt starts a line of its own instead of following the ^C the
// terminal echoed.
func TestPromptAfterInterrupt(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "v0")
	tm := startOnTerminal(t)
	tm.waitFor(t, "(Connected) 1] ")
	tm.master.WriteString("watch " + p + "\n")
	tm.waitFor(t, "children "+p+" cversion=0 []")
	tm.waitFor(t, "data "+p+" dataVersion=0 \"v0\"\r\n") // both lines are out
	tm.master.Write([]byte{3})                           // Ctrl-C
	screen := tm.waitFor(t, "(Connected) 2] ")
	i := strings.Index(screen, "^C")
	if i < 0 {
		t.Fatalf("the terminal did not echo ^C; screen:\n%q", screen)
	}
	after := screen[i+2:]
	if !strings.HasPrefix(after, "\r\n[zk: ") {
		t.Errorf("after ^C the terminal shows %q; want a new line, then the prompt", after)
	}
	tm.master.WriteString("quit\n")
}
