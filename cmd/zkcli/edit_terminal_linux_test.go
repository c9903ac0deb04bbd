package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The line editor in a real terminal: tmux renders the screen as a user
// sees it, the pty helper gives the raw byte stream.

const (
	termUp   = "\x1b[A"
	termLeft = "\x1b[D"
	termBS   = "\x7f"
)

// TestEditorOnPTY: on a terminal, the shell edits lines, recalls them with
// Up and completes commands and paths with Tab; the commands run as
// edited.
func TestEditorOnPTY(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "v0")
	mustCreate(t, c, p+"/kid-unique", "kid-data")
	tm := startOnTerminal(t)
	tm.waitFor(t, "(Connected) 1] ")

	// An edit: a typo removed with Backspace, a letter inserted after Left.
	tm.master.WriteString("gt " + p + "X" + termBS + strings.Repeat(termLeft, len(p)+2) + "e\r")
	tm.waitFor(t, "v0\r\n")
	tm.waitFor(t, "(Connected) 2] ")

	// Up recalls the previous command.
	if _, err := c.Set(ctxFor(t, 10*time.Second), p, []byte("v1-recalled"), -1); err != nil {
		t.Fatal(err)
	}
	tm.master.WriteString(termUp + "\r")
	tm.waitFor(t, "v1-recalled\r\n")
	tm.waitFor(t, "(Connected) 3] ")

	// Tab completes the command, then the path.
	tm.master.WriteString("getEph\t")
	tm.waitFor(t, "getEphemerals ")
	tm.master.WriteString("\x15") // Ctrl-U: drop it
	tm.master.WriteString("ge\t" + " " + p + "/kid\t\r")
	tm.waitFor(t, "kid-data\r\n")
	tm.waitFor(t, "(Connected) 4] ")

	// Ctrl-C drops the line and prompts again with the same number
	// (Ctrl-D's exit is checked in tmux, where the end is visible).
	tm.master.WriteString("delete " + p + "\x03")
	tm.waitFor(t, "^C\r\n[zk: "+srv.Addr()+"(Connected) 4] ")
	tm.master.WriteString("get " + p + "\r")
	tm.waitFor(t, "(Connected) 5] ")
	if _, _, err := c.Get(ctxFor(t, 10*time.Second), p); err != nil {
		t.Errorf("the line dropped with Ctrl-C ran: %v", err)
	}
}

// tmuxShell runs zkcli in a detached tmux session of a server of its own
// (a socket named for the test), 120x30.
type tmuxShell struct {
	socket, name string
}

func startTmux(t *testing.T) *tmuxShell {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is not installed (scripts/install-deps.sh installs it)")
		}
		t.Skip("tmux is not installed; skipping the terminal test (scripts/install-deps.sh installs it)")
	}
	tx := &tmuxShell{socket: fmt.Sprintf("zkcli-test-%d-%d", os.Getpid(), seq.Add(1)), name: "zkcli"}
	cmd := fmt.Sprintf("%q -server %q -timeout 10s", bin, srv.Addr())
	if out, err := exec.Command("tmux", "-L", tx.socket, "-f", "/dev/null", "new-session", "-d", "-s", tx.name, "-x", "120", "-y", "30", cmd).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-L", tx.socket, "kill-server").Run() })
	return tx
}

// keys sends tmux key names or, with literal, text as typed.
func (tx *tmuxShell) keys(t *testing.T, literal bool, keys ...string) {
	t.Helper()
	args := []string{"-L", tx.socket, "send-keys", "-t", tx.name}
	if literal {
		args = append(args, "-l")
	}
	if out, err := exec.Command("tmux", append(args, keys...)...).CombinedOutput(); err != nil {
		t.Fatalf("tmux send-keys %q: %v\n%s", keys, err, out)
	}
}

func (tx *tmuxShell) screen(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("tmux", "-L", tx.socket, "capture-pane", "-p", "-t", tx.name).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux capture-pane: %v\n%s", err, out)
	}
	return string(out)
}

// waitFor polls the screen (tmux has no change notification) until a
// line satisfies ok, for at most 30s.
func (tx *tmuxShell) waitFor(t *testing.T, what string, ok func(line string) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := tx.screen(t)
		for _, l := range strings.Split(s, "\n") {
			if ok(strings.TrimRight(l, " ")) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s on the screen within 30s:\n%s", what, s)
		}
		time.Sleep(50 * time.Millisecond) // polling: no signal to wait on
	}
}

// lineIs waits for a screen line that is exactly want.
func (tx *tmuxShell) lineIs(t *testing.T, want string) {
	t.Helper()
	tx.waitFor(t, fmt.Sprintf("line %q", want), func(l string) bool { return l == want })
}

// TestEditorInTmux: what a user sees in a terminal while editing.
func TestEditorInTmux(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "v0")
	mustCreate(t, c, p+"/kid-unique", "kid-data")
	tx := startTmux(t)
	prompt := func(n int) string { return fmt.Sprintf("[zk: %s(Connected) %d] ", srv.Addr(), n) }
	tx.waitFor(t, "the first prompt", func(l string) bool { return l == strings.TrimRight(prompt(1), " ") })

	// Typing with an edit: the screen shows the line as edited.
	tx.keys(t, true, "get "+p+"Z")
	tx.keys(t, false, "BSpace", "Home", "Right", "Right", "Right")
	tx.keys(t, true, "X")
	tx.lineIs(t, prompt(1)+"getX "+p)
	tx.keys(t, false, "BSpace", "End", "Enter")
	tx.lineIs(t, "v0")
	tx.lineIs(t, strings.TrimRight(prompt(2), " "))

	// Up recalls it.
	tx.keys(t, false, "Up")
	tx.lineIs(t, prompt(2)+"get "+p)
	tx.keys(t, false, "C-u")
	tx.lineIs(t, strings.TrimRight(prompt(2), " "))

	// Tab completes a command, then a path.
	tx.keys(t, true, "whoa")
	tx.keys(t, false, "Tab")
	tx.lineIs(t, strings.TrimRight(prompt(2)+"whoami ", " "))
	tx.keys(t, false, "C-u")
	tx.keys(t, true, "get "+p+"/ki")
	tx.keys(t, false, "Tab")
	tx.lineIs(t, prompt(2)+"get "+p+"/kid-unique")
	tx.keys(t, false, "Enter")
	tx.lineIs(t, "kid-data")

	// Several children: a second Tab lists them.
	mustCreate(t, c, p+"/kid-other", "")
	tx.keys(t, true, "ls "+p+"/")
	tx.keys(t, false, "Tab")
	tx.lineIs(t, prompt(3)+"ls "+p+"/kid-")
	tx.keys(t, false, "Tab")
	tx.lineIs(t, "kid-other  kid-unique")
	tx.keys(t, false, "C-u")

	// A line longer than the screen wraps, and an edit in it redraws
	// both rows in place.
	data := strings.Repeat("w", 100)
	tx.keys(t, true, "set "+p+" "+data)
	tx.keys(t, false, "Left", "Left", "Left", "Left", "Left")
	tx.keys(t, true, "Y")
	edited := data[:95] + "Y" + data[95:]
	full := prompt(3) + "set " + p + " " + edited
	tx.lineIs(t, full[:120])
	tx.lineIs(t, full[120:])
	tx.keys(t, false, "Enter")
	tx.lineIs(t, strings.TrimRight(prompt(4), " "))
	if got, _, err := c.Get(ctxFor(t, 10*time.Second), p); err != nil || string(got) != edited {
		t.Errorf("after the wrapped edit the node holds %q (%v), want %q", got, err, edited)
	}
	tx.keys(t, false, "C-d")
	deadline := time.Now().Add(30 * time.Second)
	for exec.Command("tmux", "-L", tx.socket, "has-session", "-t", tx.name).Run() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("zkcli did not exit on Ctrl-D:\n%s", tx.screen(t))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
