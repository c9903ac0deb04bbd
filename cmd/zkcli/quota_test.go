package main

import (
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// getString reads a node's data with the test's client.
func getString(t *testing.T, c *zk.Client, p string) string {
	t.Helper()
	data, _, err := c.Get(ctxFor(t, 10*time.Second), p)
	if err != nil {
		t.Fatalf("get %s: %v", p, err)
	}
	return string(data)
}

// TestQuota: setquota writes zkCli's nodes under /zookeeper/quota, the
// server keeps their usage, listquota shows both, delquota clears one
// limit or the whole quota; quotas do not nest.
func TestQuota(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "12345")
	mustCreate(t, c, p+"/a", "xy")
	limits, stats := quotaRoot+p+"/"+limitNode, quotaRoot+p+"/"+statNode

	if got := ok(t, "setquota", "-n", "5", p); got != "" {
		t.Errorf("setquota printed %q", got)
	}
	if got := getString(t, c, limits); got != "count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1" {
		t.Errorf("limits node = %q", got)
	}
	// The server counted the subtree: 2 nodes, 7 bytes.
	if got := getString(t, c, stats); got != "count=2,bytes=7" {
		t.Errorf("stats node = %q", got)
	}
	ok(t, "setquota", "-B", "100", p)
	wantLimits := "count=5,bytes=-1=;byteHardLimit=100;countHardLimit=-1"
	if got := getString(t, c, limits); got != wantLimits {
		t.Errorf("limits after -B 100 = %q", got)
	}
	want := "Output quota for " + p + " " + wantLimits + "\nOutput stat for " + p + " count=2,bytes=7\n"
	if got := ok(t, "listquota", p); got != want {
		t.Errorf("listquota = %q, want %q", got, want)
	}
	var lq struct {
		Quota struct{ Count, Bytes, CountHardLimit, ByteHardLimit int64 }
		Usage struct{ Count, Bytes int64 }
	}
	decode(t, ok(t, "listquota", "-o", "json", p), &lq)
	if lq.Quota.Count != 5 || lq.Quota.ByteHardLimit != 100 || lq.Quota.Bytes != -1 || lq.Usage.Count != 2 || lq.Usage.Bytes != 7 {
		t.Errorf("listquota -o json = %+v", lq)
	}

	fails(t, 1, p+"/a has a parent "+p+" which has a quota", "setquota", "-n", "3", p+"/a")
	mustCreate(t, c, p+"-x", "")
	mustCreate(t, c, p+"-x/in", "")
	ok(t, "setquota", "-b", "10", p+"-x/in")
	fails(t, 1, p+"-x has a child "+p+"-x/in which has a quota", "setquota", "-n", "3", p+"-x")

	fails(t, 2, "the num quota must be greater than zero", "setquota", "-n", "0", p)
	fails(t, 2, "one of -n, -b, -N, -B at a time", "setquota", "-n", "1", "-b", "2", p)
	fails(t, 2, "missing -n, -b, -N or -B", "setquota", p)
	fails(t, 2, "cannot set a quota under the path: /zookeeper/quota", "setquota", "-n", "1", quotaRoot+p)
	fails(t, 1, "Node does not exist: "+p+"/none", "setquota", "-n", "1", p+"/none")

	ok(t, "delquota", "-n", p)
	if got := getString(t, c, limits); got != "count=-1,bytes=-1=;byteHardLimit=100;countHardLimit=-1" {
		t.Errorf("limits after delquota -n = %q", got)
	}
	ok(t, "delquota", p)
	if exists(t, c, quotaRoot+p) {
		t.Errorf("delquota left %s", quotaRoot+p)
	}
	if !exists(t, c, quotaRoot+p+"-x/in/"+limitNode) {
		t.Errorf("delquota %s removed another quota", p)
	}
	fails(t, 1, "quota for "+p+" does not exist", "listquota", p)
	if r := zkcli(t, "", "delquota", p); r.code != 0 || r.stderr != "Quota does not exist for "+p+"\n" {
		t.Errorf("delquota of no quota: exit %d, stderr %q", r.code, r.stderr)
	}
	fails(t, 1, "setquota does not work under a chroot", "-chroot", p+"-x", "setquota", "-n", "1", "/in")
}

// TestQuotaEnforced: a hard limit set by zkcli is one the server
// understands: with zookeeper.enforceQuota it refuses the node too many.
func TestQuotaEnforced(t *testing.T) {
	s := zktest.StartServerT(t, zktest.WithJVMProperty("zookeeper.enforceQuota", "true"))
	on := func(args ...string) result {
		t.Helper()
		return zkcliAt(t, s.Addr(), "", args...)
	}
	if r := on("create", "/q"); r.code != 0 {
		t.Fatalf("create: %q", r.stderr)
	}
	if r := on("setquota", "-N", "2", "/q"); r.code != 0 {
		t.Fatalf("setquota: %q", r.stderr)
	}
	if r := on("create", "/q/a"); r.code != 0 {
		t.Fatalf("the 2nd node within the quota: exit %d, %q", r.code, r.stderr)
	}
	if r := on("create", "/q/b"); r.code != 1 || !strings.Contains(r.stderr, "Quota has exceeded : /q/b") {
		t.Errorf("a 3rd node under a hard limit of 2: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := on("delquota", "-N", "/q"); r.code != 0 {
		t.Fatalf("delquota -N: %q", r.stderr)
	}
	if r := on("create", "/q/b"); r.code != 0 {
		t.Errorf("after delquota -N: exit %d, stderr %q", r.code, r.stderr)
	}
}
