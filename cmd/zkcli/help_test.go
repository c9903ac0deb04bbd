package main

import (
	"strings"
	"testing"
)

// TestHelpPerVerb: VERB -h, VERB --help, help VERB (one-shot and in the
// shell) all print the verb's syntax and an example on stdout, and exit 0
// without connecting; zkcli -h prints the usage on stdout too.
func TestHelpPerVerb(t *testing.T) {
	for _, args := range [][]string{{"ls", "-h"}, {"ls", "--help"}, {"help", "ls"}, {"LS", "/", "-h"}} {
		r := zkcliAt(t, refusedAddr(t), "", args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("zkcli %v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		if !strings.HasPrefix(r.stdout, "usage: ls [-s] [-w] [-R] [-o json] path\n") || !strings.Contains(r.stdout, "example:\n  zkcli ls -R /app\n") {
			t.Errorf("zkcli %v: stdout\n%s", args, r.stdout)
		}
	}
	// Every verb has an example.
	for _, v := range verbs {
		r := zkcliAt(t, srv.Addr(), "", "help", v.name)
		if r.code != 0 || !strings.Contains(r.stdout, "usage: "+v.name) || !strings.Contains(r.stdout, "\nexample:\n  zkcli ") {
			t.Errorf("help %s: exit %d\n%s", v.name, r.code, r.stdout)
		}
	}
	// create's help explains @file.
	if r := zkcliAt(t, srv.Addr(), "", "create", "--help"); !strings.Contains(r.stdout, "@file") {
		t.Errorf("create --help:\n%s", r.stdout)
	}
	// In the shell.
	r := zkcli(t, "help get\nget -h\n")
	if r.code != 0 || strings.Count(r.stdout, "usage: get [-s] [-w] [-o json] path\n") != 2 {
		t.Errorf("shell help get / get -h: exit %d\n%s", r.code, r.stdout)
	}
	// An unknown verb to help is a usage error.
	if r := zkcliAt(t, srv.Addr(), "", "help", "frob"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "frob"`) {
		t.Errorf("help frob: exit %d, stderr %q", r.code, r.stderr)
	}
	// zkcli -h: on stdout, so that zkcli -h | less shows it.
	r = zkcliEnv(t, nil, "", "-h")
	if r.code != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, "usage: zkcli") ||
		!strings.Contains(r.stdout, "-server") || !strings.Contains(r.stdout, "deleteall [-b batch] path") ||
		!strings.Contains(r.stdout, "the shell exits 1 if any command failed") {
		t.Errorf("zkcli -h: exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
}

// TestHelpColumns: every summary in the command list starts in the same
// column, a long syntax (create's) putting it on the next line.
func TestHelpColumns(t *testing.T) {
	out := ok(t, "help")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	col := strings.Index(lines[0], "list children")
	if col < 0 {
		t.Fatalf("help:\n%s", out)
	}
	sawCreate := false
	for i, l := range lines {
		if len(l) <= col || l[col-1] != ' ' || l[col] == ' ' {
			// A syntax line too long for the column: the summary follows,
			// indented to the column.
			if i+1 >= len(lines) || strings.TrimSpace(lines[i+1][:col]) != "" {
				t.Errorf("help line %q: the summary is not at column %d\n%s", l, col, out)
			}
			if strings.HasPrefix(l, "  create ") {
				sawCreate = true
			}
		}
	}
	if !sawCreate {
		t.Errorf("create's syntax fits the column? help:\n%s", out)
	}
}

// TestGlobalFlagsAfterVerb: global flags work after the verb and its
// arguments; in the shell they are an error that names the flag.
func TestGlobalFlagsAfterVerb(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "x")
	mustCreate(t, c, p+"/kid", "")
	// The default server (127.0.0.1:2181) is not ours: only a -server
	// after the verb can make these work.
	for _, args := range [][]string{
		{"ls", p, "-server", srv.Addr()},
		{"ls", "-server=" + srv.Addr(), p},
		{"ls", p, "--server", srv.Addr(), "-cmd-timeout", "20s"},
	} {
		r := zkcliEnv(t, nil, "", args...)
		if r.code != 0 || r.stdout != "kid\n" {
			t.Errorf("zkcli %v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := zkcliEnv(t, nil, "", "get", p, "-server", srv.Addr(), "-chroot", p); r.code != 1 || !strings.Contains(r.stderr, "Node does not exist: "+p) {
		t.Errorf("get with a late -chroot: exit %d, stderr %q", r.code, r.stderr)
	}
	// After --, a word is data, not a flag.
	if r := zkcliEnv(t, nil, "", "-server", srv.Addr(), "set", p, "--", "-server"); r.code != 0 {
		t.Errorf("set -- -server: exit %d, stderr %q", r.code, r.stderr)
	}
	if data, _, err := c.Get(ctxFor(t, 10e9), p); err != nil || string(data) != "-server" {
		t.Errorf("data = %q, %v; want -server", data, err)
	}
	if r := zkcliEnv(t, nil, "", "ls", p, "-server"); r.code != 2 || !strings.Contains(r.stderr, "flag -server needs a value") {
		t.Errorf("ls -server without value: exit %d, stderr %q", r.code, r.stderr)
	}
	r := zkcli(t, "ls "+p+" -server "+srv.Addr()+"\n")
	if r.code != 1 || !strings.Contains(r.stderr, "-server is a zkcli flag, not an option of ls") {
		t.Errorf("in the shell: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := zkcli(t, "", "ls", "-foo", p); r.code != 2 || !strings.Contains(r.stderr, "unknown option -f (in -foo)") {
		t.Errorf("ls -foo: exit %d, stderr %q", r.code, r.stderr)
	}
}
