package main

import (
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

func TestCreate(t *testing.T) {
	c := client(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)

	if got := ok(t, "create", p, "some data"); got != "Created "+p+"\n" {
		t.Errorf("create = %q", got)
	}
	data, st, err := c.Get(ctx, p)
	if err != nil || string(data) != "some data" || st.EphemeralOwner != 0 {
		t.Fatalf("after create: %q %+v %v", data, st, err)
	}
	acl, _, err := c.GetACL(ctx, p)
	if err != nil || !equal(acl, zk.WorldACL(zk.PermAll)) {
		t.Errorf("default ACL = %v, %v; want world:anyone:cdrwa", acl, err)
	}

	// No data: an empty node.
	ok(t, "create", p+"/empty")
	if data, _, err := c.Get(ctx, p+"/empty"); err != nil || len(data) != 0 {
		t.Errorf("create without data: %q, %v", data, err)
	}

	// Sequential: the printed path is the real one.
	out := ok(t, "create", "-s", p+"/seq-", "x")
	created := strings.TrimSuffix(strings.TrimPrefix(out, "Created "), "\n")
	if !strings.HasPrefix(created, p+"/seq-") || len(created) != len(p+"/seq-")+10 || !exists(t, c, created) {
		t.Errorf("create -s printed %q", out)
	}

	// An ACL argument.
	ok(t, "create", p+"/ro", "x", "world:anyone:r")
	acl, _, err = c.GetACL(ctx, p+"/ro")
	want := []zk.ACL{{Perms: zk.PermRead, ID: zk.Id{Scheme: "world", ID: "anyone"}}}
	if err != nil || !equal(acl, want) {
		t.Errorf("ACL after create with world:anyone:r = %v, %v", acl, err)
	}

	// Container and TTL nodes: the server hides their type from Stat;
	// TestCreateContainerAndTTL watches the server reap them.
	ok(t, "create", "-c", p+"/box")
	ok(t, "create", "-t", "600000", p+"/ttl", "x")
	out = ok(t, "create", "-s", "-t", "10m", p+"/ttlseq-")
	ttlseq := strings.TrimSuffix(strings.TrimPrefix(out, "Created "), "\n")
	for _, n := range []string{p + "/box", p + "/ttl", ttlseq} {
		if !exists(t, c, n) {
			t.Errorf("%s was not created", n)
		}
	}

	fails(t, 1, "Node already exists: "+p, "create", p)
	fails(t, 1, "Node does not exist: "+p+"/no/parent", "create", p+"/no/parent")
	fails(t, 2, "-c cannot be combined", "create", "-c", "-e", p+"/bad")
	fails(t, 2, "unknown permission", "create", p+"/bad", "x", "world:anyone:rq")
	if exists(t, c, p+"/bad") {
		t.Errorf("a rejected create made %s/bad", p)
	}
}

// TestCreateEphemeralOneShot: an ephemeral node made by a one-shot command
// belongs to its session, which ends when the command exits.
func TestCreateEphemeralOneShot(t *testing.T) {
	c := client(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, "")
	w, err := c.AddWatch(ctx, p+"/e", zk.KindPersistent)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if got := ok(t, "create", "-e", p+"/e", "x"); got != "Created "+p+"/e\n" {
		t.Errorf("create -e = %q", got)
	}
	// It existed (created), and is gone now that the command has exited
	// (deleted), without waiting out a session timeout.
	for _, want := range []zk.EventType{zk.EventNodeCreated, zk.EventNodeDeleted} {
		select {
		case ev := <-w.Events():
			if ev.Type != want {
				t.Fatalf("event %v, want %v", ev, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no %v event for %s/e", want, p)
		}
	}
	if exists(t, c, p+"/e") {
		t.Errorf("ephemeral %s/e outlived the command", p)
	}
}

func TestSet(t *testing.T) {
	c := client(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, "v0")
	if got := ok(t, "set", p, "v1"); got != "" {
		t.Errorf("set printed %q", got)
	}
	if data, st, err := c.Get(ctx, p); err != nil || string(data) != "v1" || st.Version != 1 {
		t.Fatalf("after set: %q %+v %v", data, st, err)
	}
	fails(t, 1, "version No is not valid : "+p, "set", "-v", "0", p, "stale")
	out := ok(t, "set", "-s", "-v", "1", p, "v2 with spaces")
	data, st, err := c.Get(ctx, p)
	if err != nil || string(data) != "v2 with spaces" || st.Version != 2 {
		t.Fatalf("after set -v 1: %q %+v %v", data, st, err)
	}
	wantStat(t, out, st)
	fails(t, 1, "Node does not exist: "+p+"/none", "set", p+"/none", "x")
}

func TestDelete(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "")
	mustCreate(t, c, p+"/a", "")
	mustCreate(t, c, p+"/b", "")
	ok(t, "delete", p+"/a")
	if exists(t, c, p+"/a") {
		t.Errorf("delete left %s/a", p)
	}
	fails(t, 1, "version No is not valid : "+p+"/b", "delete", "-v", "3", p+"/b")
	ok(t, "delete", "-v", "0", p+"/b")
	if exists(t, c, p+"/b") {
		t.Errorf("delete -v 0 left %s/b", p)
	}
	mustCreate(t, c, p+"/c", "")
	fails(t, 1, "Node not empty: "+p, "delete", p)
	fails(t, 1, "Node does not exist: "+p+"/a", "delete", p+"/a")
}

func TestDeleteAll(t *testing.T) {
	c := client(t)
	p := testPath(t)
	keep := p + "-sibling" // shares the prefix, must survive
	mustCreate(t, c, keep, "")
	mustCreate(t, c, p, "")
	for i := range 5 {
		a := p + "/" + string(rune('a'+i))
		mustCreate(t, c, a, "")
		for j := range 20 {
			mustCreate(t, c, a+"/"+string(rune('a'+j)), "")
		}
		mustCreate(t, c, a+"/a/deep", "")
	}
	ok(t, "deleteall", p)
	if exists(t, c, p) {
		t.Errorf("deleteall left %s", p)
	}
	if !exists(t, c, keep) {
		t.Errorf("deleteall %s removed %s", p, keep)
	}
	fails(t, 1, "Node does not exist: "+p, "deleteall", p)
	fails(t, 2, "refusing to delete the root", "deleteall", "/")
}

func TestSetACL(t *testing.T) {
	c := client(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, "")
	mustCreate(t, c, p+"/kid", "")
	hash := zk.DigestHash("u", "p")
	// world gets admin: without it the server redacts digest hashes in
	// GetACL (ZOOKEEPER-1392).
	ok(t, "setAcl", p, "world:anyone:cdra,digest:u:"+hash+":rw")
	want := []zk.ACL{
		{Perms: zk.PermCreate | zk.PermDelete | zk.PermRead | zk.PermAdmin, ID: zk.Id{Scheme: "world", ID: "anyone"}},
		{Perms: zk.PermRead | zk.PermWrite, ID: zk.Id{Scheme: "digest", ID: "u:" + hash}},
	}
	acl, st, err := c.GetACL(ctx, p)
	if err != nil || !equal(acl, want) || st.Aversion != 1 {
		t.Fatalf("GetACL after setAcl = %v %+v %v, want %v", acl, st, err, want)
	}
	if acl, _, _ := c.GetACL(ctx, p+"/kid"); !equal(acl, open) {
		t.Errorf("setAcl without -R changed the child: %v", acl)
	}
	fails(t, 1, "version No is not valid : "+p, "setAcl", "-v", "0", p, "world:anyone:cdrwa")

	// -R: the whole subtree, listed before the root's ACL stops reads
	// (admin kept so that GetACL may check).
	ok(t, "setAcl", "-R", p, "world:anyone:wa")
	for _, n := range []string{p, p + "/kid"} {
		acl, _, err := c.GetACL(ctx, n)
		if err != nil || !equal(acl, []zk.ACL{{Perms: zk.PermWrite | zk.PermAdmin, ID: zk.Id{Scheme: "world", ID: "anyone"}}}) {
			t.Errorf("after setAcl -R, %s has %v, %v", n, acl, err)
		}
	}
	fails(t, 1, "Insufficient permission : "+p, "get", p)
	fails(t, 1, "Acl is not valid : "+p, "setAcl", p, "world:nobody:r")
}

// TestCreateContainerAndTTL checks on a server that reaps often that
// create -c makes a container (gone once its last child goes) and
// create -t a TTL node (gone once its TTL passes), while a plain node
// stays.
func TestCreateContainerAndTTL(t *testing.T) {
	s := zktest.StartServerT(t, zktest.WithJVMProperty("znode.container.checkIntervalMs", "200"))
	c, err := zk.Connect(ctxFor(t, 30*time.Second), []string{s.Addr()}, zk.WithSessionTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	on := func(args ...string) {
		t.Helper()
		if r := zkcliAt(t, s.Addr(), "", args...); r.code != 0 {
			t.Fatalf("zkcli %v: exit %d: %s", args, r.code, r.stderr)
		}
	}
	on("create", p)
	on("create", "-c", p+"/box")
	on("create", p+"/box/kid")
	on("create", "-t", "300", p+"/ttl")
	on("create", p+"/plain")
	if err := c.Delete(ctx, p+"/box/kid", -1); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"/box", "/ttl"} {
		for exists(t, c, p+n) {
			if ctx.Err() != nil {
				t.Fatalf("%s%s was not reaped: not a container or TTL node", p, n)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !exists(t, c, p+"/plain") {
		t.Errorf("a plain node was reaped")
	}
}

// TestCreateTTLDisabled: on a server without TTL support, create -t names
// the server setting instead of saying "unimplemented".
func TestCreateTTLDisabled(t *testing.T) {
	s := zktest.StartServerT(t, zktest.WithConfig("extendedTypesEnabled=false"))
	r := zkcliAt(t, s.Addr(), "", "create", "-t", "10s", "/ttl", "x")
	if r.code != 1 || !strings.Contains(r.stderr, "extendedTypesEnabled=true") || !strings.Contains(r.stderr, "zookeeper.extendedTypesEnabled") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if r := zkcliAt(t, s.Addr(), "", "stat", "/ttl"); r.code != 1 {
		t.Errorf("the TTL node exists: %q", r.stdout)
	}
}
