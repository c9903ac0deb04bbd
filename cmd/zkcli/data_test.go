package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDataFromFileAndStdin: create and set take @file and - (stdin), so
// binary and multi-line data arrive byte for byte; @@ is a literal @.
func TestDataFromFileAndStdin(t *testing.T) {
	c := client(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	dir := t.TempDir()
	binary := []byte{0, 1, 2, '\n', 0xff, 0xfe, '"', '\'', ' ', '\\', 0}
	file := filepath.Join(dir, "data.bin")
	if err := os.WriteFile(file, binary, 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(node string, want []byte) {
		t.Helper()
		data, _, err := c.Get(ctx, node)
		if err != nil || !bytes.Equal(data, want) {
			t.Errorf("%s holds %q, %v; want %q", node, data, err, want)
		}
	}
	ok(t, "create", p, "@"+file)
	check(p, binary)

	multi := "line 1\nline 2\n\ttabbed\n"
	if r := zkcli(t, multi, "set", p, "-"); r.code != 0 {
		t.Fatalf("set - : exit %d, stderr %q", r.code, r.stderr)
	}
	check(p, []byte(multi))
	if r := zkcli(t, multi, "create", p+"/s", "-", "world:anyone:cdrwa"); r.code != 0 {
		t.Fatalf("create - : exit %d, stderr %q", r.code, r.stderr)
	}
	check(p+"/s", []byte(multi))

	ok(t, "set", "-v", "1", p, "@@literal")
	check(p, []byte("@literal"))

	// In the shell, @file works; - does not (stdin holds the commands).
	r := zkcli(t, "set "+p+" @"+file+"\nset "+p+" -\n")
	if r.code != 1 || !strings.Contains(r.stderr, "in the shell stdin holds the commands; use @file") {
		t.Errorf("shell: exit %d, stderr %q", r.code, r.stderr)
	}
	check(p, binary)

	// A missing file is an error before anything is sent.
	fails(t, 2, "no such file or directory", "create", p+"/missing", "@"+filepath.Join(dir, "nope"))
	if exists(t, c, p+"/missing") {
		t.Errorf("create with a missing file made the node")
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, maxData+1), 0o600); err != nil {
		t.Fatal(err)
	}
	fails(t, 2, "more than 1048576 bytes", "set", p, "@"+big)
}

// TestServersFromEnv: without -server, ZK_SERVERS gives the servers (and
// a chroot); -server wins over it.
func TestServersFromEnv(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "")
	mustCreate(t, c, p+"/kid", "")
	r := zkcliEnv(t, []string{"ZK_SERVERS=" + srv.Addr()}, "", "ls", p)
	if r.code != 0 || r.stdout != "kid\n" {
		t.Errorf("ZK_SERVERS: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = zkcliEnv(t, []string{"ZK_SERVERS=" + srv.Addr() + p}, "", "ls", "/")
	if r.code != 0 || r.stdout != "kid\n" {
		t.Errorf("ZK_SERVERS with a chroot: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	bad := refusedAddr(t)
	r = zkcliEnv(t, []string{"ZK_SERVERS=" + bad}, "", "-server", srv.Addr(), "ls", p)
	if r.code != 0 || r.stdout != "kid\n" {
		t.Errorf("-server over ZK_SERVERS: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = zkcliEnv(t, []string{"ZK_SERVERS=" + bad}, "", "ls", p)
	if r.code != 1 || !strings.Contains(r.stderr, bad+": connection refused") {
		t.Errorf("ZK_SERVERS unreachable: exit %d, stderr %q", r.code, r.stderr)
	}
}
