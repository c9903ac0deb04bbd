package main

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// TestReconfigBadInput: malformed reconfig lines are refused before
// anything is sent (exit 2, usage).
func TestReconfigBadInput(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		args []string
	}{
		{"nothing to change", nil},
		{"not a server spec", []string{"-add", "5=h:1:2;3"}},
		{"expected server.N", []string{"-add", "group.1=1:2"}},
		{"not a server id", []string{"-add", "server.x=h:1:2;3"}},
		{"want host:quorumPort:electionPort", []string{"-add", "server.5=h:2181"}},
		{"is not a server id", []string{"-remove", "three"}},
		{"give one kind", []string{"-remove", "3", "-members", "server.1=h:1:2;3"}},
		{"not a config version", []string{"-remove", "3", "-v", "zz"}},
		{"needs a value", []string{"-remove"}},
		{`unexpected "3"`, []string{"3"}},
		{"only output format", []string{"-remove", "3", "-o", "yaml"}},
		{"-file", []string{"-file", "/nonexistent/zkcli-members"}},
	} {
		fails(t, 2, tc.msg, append([]string{"reconfig"}, tc.args...)...)
	}
}

// TestReconfigDisabled: a server without reconfigEnabled refuses, and
// zkcli says why.
func TestReconfigDisabled(t *testing.T) {
	fails(t, 1, "reconfigEnabled", "reconfig", "-remove", "3")
}

// TestReconfigEnsembleCLI: reconfig -add and -remove change a real
// ensemble's membership, as config then shows.
func TestReconfigEnsembleCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 4-server ensemble; -short")
	}
	e := zktest.StartEnsembleT(t, 3, zktest.WithReconfig(), zktest.WithSuperDigest("super", "secret"))
	ctx := ctxFor(t, 3*time.Minute)
	li, err := e.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leader := e.Servers()[li]
	run := func(args ...string) result {
		return zkcliAt(t, leader.Addr(), "", append([]string{"-timeout", "30s", "-cmd-timeout", "60s"}, args...)...)
	}

	// Without the superuser: refused, with the hint.
	if r := run("reconfig", "-remove", "1"); r.code != 1 || !strings.Contains(r.stderr, "superuser") {
		t.Fatalf("reconfig without auth: exit %d, stderr %q", r.code, r.stderr)
	}

	s4, err := e.AddServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := run("-auth", "digest:super:secret", "reconfig", "-add", s4.QuorumSpec())
	if r.code != 0 || !strings.HasPrefix(r.stdout, "Committed new configuration:\n") || !strings.Contains(r.stdout, s4.QuorumSpec()+"\n") {
		t.Fatalf("reconfig -add: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if err := s4.WaitMode(ctx, "follower", "leader"); err != nil {
		t.Fatal(err)
	}
	var gone *zktest.Server
	for _, s := range e.Servers()[:3] {
		if s != leader {
			gone = s
			break
		}
	}
	c := client0(t, ctx, leader.Addr())
	data, _, err := c.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, err := zk.ConfigVersion(data)
	if err != nil {
		t.Fatal(err)
	}
	r = run("-auth", "digest:super:secret", "reconfig", "-remove", strconv.Itoa(gone.MyID()), "-v", strconv.FormatInt(v, 16), "-o", "json")
	if r.code != 0 {
		t.Fatalf("reconfig -remove: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	var js struct{ Config string }
	decode(t, r.stdout, &js)
	if strings.Contains(js.Config, gone.QuorumSpec()) || !strings.Contains(js.Config, s4.QuorumSpec()) {
		t.Errorf("after removing %d: %q", gone.MyID(), js.Config)
	}
	// The server has what zkcli printed.
	data, _, err = c.Config(ctx)
	if err != nil || strings.TrimSuffix(string(data), "\n") != js.Config {
		t.Errorf("server config %q (%v), zkcli printed %q", data, err, js.Config)
	}
	// The version it applied to is gone: a stale -v is refused.
	r = run("-auth", "digest:super:secret", "reconfig", "-remove", strconv.Itoa(s4.MyID()), "-v", strconv.FormatInt(v, 16))
	if r.code != 1 || !strings.Contains(r.stderr, "config changed since") {
		t.Errorf("stale -v: exit %d, stderr %q", r.code, r.stderr)
	}
	if lines := strings.Split(js.Config, "\n"); slices.Contains(lines, gone.QuorumSpec()) {
		t.Errorf("server %d still listed", gone.MyID())
	}
}

// client0 connects a plain client to addr for checks.
func client0(t *testing.T, ctx context.Context, addr string) *zk.Client {
	t.Helper()
	c, err := zk.Connect(ctx, []string{addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
