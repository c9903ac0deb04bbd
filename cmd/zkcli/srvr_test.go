package main

import (
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk/fourletter"
)

// TestSrvr: srvr prints what the server says of itself.
func TestSrvr(t *testing.T) {
	raw, err := fourletter.Raw(ctxFor(t, 10*time.Second), srv.Addr(), "srvr")
	if err != nil {
		t.Fatal(err)
	}
	versionLine, _, _ := strings.Cut(raw, "\n") // "Zookeeper version: 3.8..., built on ..."
	out := ok(t, "srvr")
	if !strings.HasPrefix(out, versionLine+"\n") {
		t.Errorf("srvr starts %q; the server says %q", out, versionLine)
	}
	if !strings.Contains(out, "\nMode: standalone\n") {
		t.Errorf("srvr: no \"Mode: standalone\" in\n%s", out)
	}

	var js jsonServerInfo
	decode(t, ok(t, "srvr", "-o", "json"), &js)
	want, err := fourletter.ParseSrvr(raw)
	if err != nil {
		t.Fatal(err)
	}
	if js.Server != srv.Addr() || js.Mode != "standalone" || js.Version != want.Version.Number || js.Version == "" ||
		js.Revision != want.Version.Revision {
		t.Errorf("srvr -o json = %+v; server says %+v", js, want.Version)
	}
	fails(t, 2, `-o "yaml"`, "srvr", "-o", "yaml")
}

// TestSrvrDownServer: an address that does not answer is named, and the
// exit status says so, after the servers that do answer are printed.
func TestSrvrDownServer(t *testing.T) {
	r := zkcliAt(t, srv.Addr()+",127.0.0.1:1", "", "srvr")
	if r.code != 1 || !strings.Contains(r.stderr, "127.0.0.1:1: ") || strings.Count(r.stderr, "connection refused") != 1 ||
		!strings.Contains(r.stderr, "srvr: 1 of 2 servers did not answer") || !strings.Contains(r.stdout, srv.Addr()+":\nZookeeper version: ") {
		t.Errorf("srvr with a down server: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}
