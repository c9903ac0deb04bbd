package main

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// statLines parses "name = value" lines into a map.
func statLines(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, ok := strings.Cut(line, " = ")
		if ok {
			m[k] = v
		}
	}
	return m
}

// wantStat checks zkCli's stat fields against st.
func wantStat(t *testing.T, out string, st *zk.Stat) {
	t.Helper()
	got := statLines(t, out)
	want := map[string]string{
		"cZxid":          fmt.Sprintf("0x%x", st.Czxid),
		"ctime":          time.UnixMilli(st.Ctime).Format("Mon Jan 02 15:04:05 MST 2006"),
		"mZxid":          fmt.Sprintf("0x%x", st.Mzxid),
		"mtime":          time.UnixMilli(st.Mtime).Format("Mon Jan 02 15:04:05 MST 2006"),
		"pZxid":          fmt.Sprintf("0x%x", st.Pzxid),
		"cversion":       fmt.Sprint(st.Cversion),
		"dataVersion":    fmt.Sprint(st.Version),
		"aclVersion":     fmt.Sprint(st.Aversion),
		"ephemeralOwner": fmt.Sprintf("0x%x", st.EphemeralOwner),
		"dataLength":     fmt.Sprint(st.DataLength),
		"numChildren":    fmt.Sprint(st.NumChildren),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("stat field %s = %q, want %q\n%s", k, got[k], v, out)
		}
	}
	if len(got) != len(want) {
		t.Errorf("stat has %d fields, want %d:\n%s", len(got), len(want), out)
	}
}

func TestLs(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "")
	if got := ok(t, "ls", p); got != "" {
		t.Errorf("ls of a leaf = %q, want nothing", got)
	}
	for _, ch := range []string{"b", "a", "c"} {
		mustCreate(t, c, p+"/"+ch, "")
	}
	// Not a terminal: one name a line, sorted.
	if got := ok(t, "ls", p); got != "a\nb\nc\n" {
		t.Errorf("ls = %q, want a b c one a line", got)
	}
	out := ok(t, "ls", "-s", p)
	names, rest, _ := strings.Cut(out, "c\n")
	if names != "a\nb\n" {
		t.Errorf("ls -s = %q, want the names first", out)
	}
	_, st, err := c.Exists(ctxFor(t, 10*time.Second), p)
	if err != nil {
		t.Fatal(err)
	}
	wantStat(t, rest, st)
	// The root lists at least the zookeeper node and ours.
	root := ok(t, "ls")
	if !strings.Contains(root, "zookeeper\n") || !strings.Contains(root, p[1:]+"\n") {
		t.Errorf("ls (root) = %q, want zookeeper and %s", root, p[1:])
	}
}

func TestLsRecursive(t *testing.T) {
	c := client(t)
	p := testPath(t)
	nodes := []string{"", "/b", "/a", "/a/y", "/a/x", "/a/x/deep", "/b/z", "/c"}
	for _, n := range nodes {
		mustCreate(t, c, p+n, "")
	}
	// zkCli's order: a node's sorted children, then each child's subtree.
	want := []string{p, p + "/a", p + "/b", p + "/c", p + "/a/x", p + "/a/y", p + "/a/x/deep", p + "/b/z"}
	got := strings.Split(strings.TrimSuffix(ok(t, "ls", "-R", p), "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ls -R =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Exactly the tree: the same set as the server holds.
	sort.Strings(got)
	var all []string
	for _, n := range nodes {
		all = append(all, p+n)
	}
	sort.Strings(all)
	if strings.Join(got, " ") != strings.Join(all, " ") {
		t.Errorf("ls -R lists %v, server has %v", got, all)
	}
	fails(t, 1, "Node does not exist: "+p+"/none", "ls", "-R", p+"/none")
}

func TestGetAndStat(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "hello world")
	if got := ok(t, "get", p); got != "hello world\n" {
		t.Errorf("get = %q", got)
	}
	_, st, err := c.Get(ctxFor(t, 10*time.Second), p)
	if err != nil {
		t.Fatal(err)
	}
	out := ok(t, "get", "-s", p)
	data, rest, _ := strings.Cut(out, "\n")
	if data != "hello world" {
		t.Errorf("get -s data line = %q", data)
	}
	wantStat(t, rest, st)
	wantStat(t, ok(t, "stat", p), st)
	fails(t, 1, "Node does not exist: "+p+"/none", "stat", p+"/none")
}

func TestGetACLOutput(t *testing.T) {
	c := client(t)
	p := testPath(t)
	acl := []zk.ACL{
		{Perms: zk.PermRead | zk.PermAdmin, ID: zk.Id{Scheme: "world", ID: "anyone"}},
		{Perms: zk.PermAll, ID: zk.Id{Scheme: "digest", ID: "u:" + zk.DigestHash("u", "p")}},
	}
	if _, err := c.Create(ctxFor(t, 10*time.Second), p, nil, zk.Persistent, acl); err != nil {
		t.Fatal(err)
	}
	want := "'world,'anyone\n: ra\n'digest,'u:" + zk.DigestHash("u", "p") + "\n: cdrwa\n"
	if got := ok(t, "getAcl", p); got != want {
		t.Errorf("getAcl = %q, want %q", got, want)
	}
	out := ok(t, "getAcl", "-s", p)
	if !strings.HasPrefix(out, want) {
		t.Fatalf("getAcl -s = %q", out)
	}
	_, st, err := c.Exists(ctxFor(t, 10*time.Second), p)
	if err != nil {
		t.Fatal(err)
	}
	wantStat(t, strings.TrimPrefix(out, want), st)
}

func TestWhoAmIAndSync(t *testing.T) {
	out := ok(t, "whoami")
	if !strings.HasPrefix(out, "Auth scheme: User\n") || !strings.Contains(out, "ip: 127.0.0.1") {
		t.Errorf("whoami = %q", out)
	}
	out = ok(t, "-auth", "digest:alice:secret", "whoami")
	if !strings.Contains(out, "digest: alice\n") {
		t.Errorf("whoami with -auth = %q, want digest: alice", out)
	}
	if got := ok(t, "sync", "/"); got != "Sync is OK\n" {
		t.Errorf("sync = %q", got)
	}
}

func TestChroot(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "")
	mustCreate(t, c, p+"/inside", "x")
	for _, args := range [][]string{{"-chroot", p}, {"-server", srv.Addr() + p}} {
		if got := ok(t, append(args, "ls", "/")...); got != "inside\n" {
			t.Errorf("%v ls / = %q, want inside", args, got)
		}
		if got := ok(t, append(args, "get", "/inside")...); got != "x\n" {
			t.Errorf("%v get /inside = %q", args, got)
		}
	}
	ok(t, "-chroot", p, "create", "/made", "y")
	if !exists(t, c, p+"/made") {
		t.Errorf("create under -chroot did not make %s/made", p)
	}
}
