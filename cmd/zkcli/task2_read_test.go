package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// countBelow counts p's descendants with the test's own client.
func countBelow(t *testing.T, c *zk.Client, p string) int {
	t.Helper()
	children, _, err := c.Children(ctxFor(t, 10*time.Second), p)
	if err != nil {
		t.Fatal(err)
	}
	n := len(children)
	for _, ch := range children {
		n += countBelow(t, c, join(p, ch))
	}
	return n
}

func TestGetAllChildrenNumber(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "")
	if got := ok(t, "getAllChildrenNumber", p); got != "0\n" {
		t.Errorf("leaf: %q", got)
	}
	for _, n := range []string{"/a", "/b", "/a/x", "/a/x/y", "/b/z"} {
		mustCreate(t, c, p+n, "")
	}
	want := countBelow(t, c, p)
	if got := ok(t, "getAllChildrenNumber", p); got != fmt.Sprintf("%d\n", want) || want != 5 {
		t.Errorf("getAllChildrenNumber = %q, server has %d below", got, want)
	}
	fails(t, 1, "Node does not exist: "+p+"/none", "getAllChildrenNumber", p+"/none")
}

// decode parses one JSON line of zkcli output into v.
func decode(t *testing.T, out string, v any) {
	t.Helper()
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("want one line of JSON, got %q", out)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
}

// TestJSONOutput: -o json on every read gives what the server holds.
func TestJSONOutput(t *testing.T) {
	c := client(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, "text, with \"quotes\"\n")
	mustCreate(t, c, p+"/b", "")
	mustCreate(t, c, p+"/a, comma", "")
	if _, err := c.Create(ctx, p+"/bin", []byte{0xff, 0, 1}, zk.Persistent, open); err != nil {
		t.Fatal(err)
	}
	_, st, err := c.Get(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	wantStat := toJSONStat(st)

	var ls struct {
		Path     string
		Children []string
		Stat     jsonStat
	}
	decode(t, ok(t, "ls", "-o", "json", p), &ls)
	if ls.Path != p || !equal(ls.Children, []string{"a, comma", "b", "bin"}) || ls.Stat != *wantStat {
		t.Errorf("ls -o json = %+v; stat want %+v", ls, *wantStat)
	}
	var tree []string
	decode(t, ok(t, "ls", "-R", "-o", "json", p), &tree)
	if !equal(tree, []string{p, p + "/a, comma", p + "/b", p + "/bin"}) {
		t.Errorf("ls -R -o json = %q", tree)
	}

	var get struct {
		Path, Data string
		DataBase64 string
		Stat       jsonStat
	}
	decode(t, ok(t, "get", "-o", "json", p), &get)
	if get.Data != "text, with \"quotes\"\n" || get.DataBase64 != "" || get.Stat != *wantStat {
		t.Errorf("get -o json = %+v", get)
	}
	get.Data = ""
	decode(t, ok(t, "get", "-o", "json", p+"/bin"), &get)
	if b, _ := base64.StdEncoding.DecodeString(get.DataBase64); get.Data != "" || string(b) != "\xff\x00\x01" {
		t.Errorf("get -o json of binary data = %+v", get)
	}

	var stat struct {
		Path string
		Stat jsonStat
	}
	decode(t, ok(t, "stat", "-o", "json", p), &stat)
	if stat.Path != p || stat.Stat != *wantStat {
		t.Errorf("stat -o json = %+v", stat)
	}

	var acl struct {
		ACL []struct{ Scheme, ID, Perms string }
	}
	decode(t, ok(t, "getAcl", "-o", "json", p), &acl)
	if len(acl.ACL) != 1 || acl.ACL[0].Scheme != "world" || acl.ACL[0].ID != "anyone" || acl.ACL[0].Perms != "cdrwa" {
		t.Errorf("getAcl -o json = %+v", acl)
	}

	var n struct {
		Path  string
		Count int
	}
	decode(t, ok(t, "getAllChildrenNumber", "-o", "json", p), &n)
	if n.Count != countBelow(t, c, p) {
		t.Errorf("getAllChildrenNumber -o json = %+v", n)
	}

	var ids []struct{ Scheme, User string }
	decode(t, ok(t, "-auth", "digest:alice:secret", "whoami", "-o", "json"), &ids)
	sort.Slice(ids, func(i, j int) bool { return ids[i].Scheme > ids[j].Scheme })
	if !equal(ids, []struct{ Scheme, User string }{{"ip", "127.0.0.1"}, {"digest", "alice"}}) {
		t.Errorf("whoami -o json = %+v", ids)
	}

	// The shell's ephemerals.
	r := zkcli(t, "create -e "+p+"/e1\ncreate -e "+p+"/e2\ngetEphemerals -o json "+p+"\n")
	var eph []string
	decode(t, strings.SplitAfterN(r.stdout, "\n", 3)[2], &eph)
	if !equal(eph, []string{p + "/e1", p + "/e2"}) {
		t.Errorf("getEphemerals -o json = %q", eph)
	}
	var cfg struct {
		Config string
		Stat   jsonStat
	}
	decode(t, ok(t, "config", "-o", "json"), &cfg)
	data, cst, err := c.Get(ctx, configNode)
	if err != nil || cfg.Config != strings.TrimSuffix(string(data), "\n") || cfg.Stat != *toJSONStat(cst) {
		t.Errorf("config -o json = %+v; server has %q %v", cfg, data, err)
	}

	fails(t, 2, `-o "yaml": the only output format is json`, "ls", "-o", "yaml", p)
}

func TestConfig(t *testing.T) {
	c := client(t)
	data, st, err := c.Get(ctxFor(t, 10*time.Second), configNode)
	if err != nil {
		t.Fatal(err)
	}
	out := ok(t, "config", "-s")
	text, rest, _ := strings.Cut(out, "\n")
	if text != strings.TrimSuffix(string(data), "\n") {
		t.Errorf("config = %q, server has %q", text, data)
	}
	wantStat(t, rest, st)
	// The config node lies outside any chroot; config reads it all the same.
	if got := ok(t, "-chroot", "/zookeeper", "config"); got != text+"\n" {
		t.Errorf("config under a chroot = %q, want %q", got, text+"\n")
	}
}

func TestClientConfig(t *testing.T) {
	cfg := "server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181\n" +
		"server.2=10.0.0.2:2888:3888:participant;10.0.1.2:2182\n" +
		"server.3=10.0.0.3:2888:3888:observer;0.0.0.0:2181\n" +
		"server.4=10.0.0.4:2888:3888:participant;2183\n" +
		"version=100000003"
	if got, want := clientConfig(cfg), "100000003 10.0.0.1:2181,10.0.1.2:2182,10.0.0.4:2183"; got != want {
		t.Errorf("clientConfig = %q, want %q", got, want)
	}
}

func TestDeleteAllBatch(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "")
	for i := range 10 {
		mustCreate(t, c, fmt.Sprintf("%s/%d", p, i), "")
	}
	ok(t, "deleteall", "-b", "2", p)
	if exists(t, c, p) {
		t.Errorf("deleteall -b 2 left %s", p)
	}
	fails(t, 2, "the batch size must be a positive number", "deleteall", "-b", "0", p)
}

// TestConfigQuorum: on a quorum (of one) /zookeeper/config holds the
// membership; config prints it and config -c the client connect string.
func TestConfigQuorum(t *testing.T) {
	e := zktest.StartEnsembleT(t, 1)
	addr := e.Addrs()[0]
	c, err := zk.Connect(ctxFor(t, 30*time.Second), []string{addr}, zk.WithSessionTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data, _, err := c.Get(ctxFor(t, 10*time.Second), configNode)
	if err != nil || !strings.Contains(string(data), "server.1=") {
		t.Fatalf("%s = %q, %v", configNode, data, err)
	}
	if r := zkcliAt(t, addr, "", "config"); r.code != 0 || r.stdout != strings.TrimSuffix(string(data), "\n")+"\n" {
		t.Errorf("config: exit %d, stdout %q; server has %q", r.code, r.stdout, data)
	}
	// zktest's members list no client address ("server.1=h:p1:p2:participant",
	// the client port is in zoo.cfg), so, as for zkCli, -c has the version
	// and no address; TestClientConfig covers members that list one.
	version := ""
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "version="); ok {
			version = v
		}
	}
	want := clientConfig(string(data))
	if version == "" || want != version+" " && !strings.Contains(string(data), ";") {
		t.Fatalf("unexpected membership %q", data)
	}
	if r := zkcliAt(t, addr, "", "config", "-c"); r.code != 0 || r.stdout != want+"\n" {
		t.Errorf("config -c: exit %d, stdout %q; want %q", r.code, r.stdout, want)
	}
}
