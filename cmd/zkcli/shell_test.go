package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// TestShell feeds a script on stdin (not a terminal: no prompt) and checks
// the output line by line and the server's state.
func TestShell(t *testing.T) {
	c := client(t)
	p := testPath(t)
	script := strings.Join([]string{
		"create " + p + " root",
		"# a comment, then a blank line",
		"",
		"create " + p + "/a 'hello world'",
		`set ` + p + `/a "quoted \"value\""`,
		"get " + p + "/a",
		"ls " + p,
		"create -e " + p + "/e1",
		"create -e " + p + "/e2",
		"getEphemerals " + p,
		"stat " + p + "/e1",
		"quit",
		"create " + p + "/after-quit",
	}, "\n")
	r := zkcli(t, script)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(r.stdout, "\n")
	want := []string{
		"Created " + p,
		"Created " + p + "/a",
		`quoted "value"`,
		"a",
		"Created " + p + "/e1",
		"Created " + p + "/e2",
		p + "/e1",
		p + "/e2",
	}
	if len(lines) < len(want) {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	if d := diffOf(want, lines[:len(want)]); d != "" {
		t.Errorf("shell output (-want +got):\n%s", d)
	}
	// The ephemeral belonged to the shell's session while it ran.
	st := statLines(t, strings.Join(lines[len(want):], "\n"))
	if owner := st["ephemeralOwner"]; owner == "" || owner == "0x0" {
		t.Errorf("stat of an ephemeral shows ephemeralOwner %q", owner)
	}
	if strings.Contains(r.stdout, "[zk:") {
		t.Errorf("prompt printed although stdin is not a terminal:\n%s", r.stdout)
	}
	ctx := ctxFor(t, 10*time.Second)
	if data, _, err := c.Get(ctx, p+"/a"); err != nil || string(data) != `quoted "value"` {
		t.Errorf("Get %s/a = %q, %v", p, data, err)
	}
	if exists(t, c, p+"/e1") || exists(t, c, p+"/e2") {
		t.Errorf("ephemerals outlived the shell")
	}
	if exists(t, c, p+"/after-quit") {
		t.Errorf("a line after quit ran")
	}
}

// TestShellErrors: a failing command does not end the shell, and the exit
// status says something failed.
func TestShellErrors(t *testing.T) {
	p := testPath(t)
	r := zkcli(t, "get "+p+"\nfrobnicate\nset\ncreate "+p+" x\nget "+p+"\n")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	for _, msg := range []string{"Node does not exist: " + p, `unknown command "frobnicate"`, "set: missing argument\nusage: set"} {
		if !strings.Contains(r.stderr, msg) {
			t.Errorf("stderr lacks %q:\n%s", msg, r.stderr)
		}
	}
	if r.stdout != "Created "+p+"\nx\n" {
		t.Errorf("stdout = %q: commands after the errors did not run", r.stdout)
	}
	if r := zkcli(t, "help\n"); r.code != 0 || !strings.Contains(r.stdout, "deleteall [-b batch] path") || !strings.Contains(r.stdout, "quit") {
		t.Errorf("help: exit %d\n%s", r.code, r.stdout)
	}
}

// TestShellAddAuth: credentials added with addauth let the shell create
// and read a node only that digest user may read.
func TestShellAddAuth(t *testing.T) {
	c := client(t)
	p := testPath(t)
	acl := fmt.Sprintf("digest:u:%s:cdrwa", zk.DigestHash("u", "p"))
	script := strings.Join([]string{
		"addauth digest u:p",
		"create " + p + " secret " + acl,
		"get " + p,
		"whoami",
	}, "\n")
	r := zkcli(t, script)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "Created "+p+"\nsecret\n") || !strings.Contains(r.stdout, "digest: u\n") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	ctx := ctxFor(t, 10*time.Second)
	if _, _, err := c.Get(ctx, p); !errorsIsNoAuth(err) {
		t.Errorf("Get without credentials = %v, want ErrNoAuth", err)
	}
	fails(t, 1, "Insufficient permission : "+p, "get", p)
	if got := ok(t, "-auth", "digest:u:p", "get", p); got != "secret\n" {
		t.Errorf("get with -auth = %q", got)
	}
	if got := ok(t, "-auth", "digest:u:p", "deleteall", p); got != "" || exists(t, c, p) {
		t.Errorf("deleteall with -auth: %q", got)
	}
}
