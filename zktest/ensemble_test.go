package zktest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk/fourletter"
)

func TestEnsemble(t *testing.T) {
	e := StartEnsembleT(t, 3, WithLocalSessions(), WithReadOnlyMode())
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	if got, want := e.ConnectString(), strings.Join(e.Addrs(), ","); got != want || len(e.Addrs()) != 3 {
		t.Fatalf("ConnectString %q, Addrs %v", got, e.Addrs())
	}
	leader := checkOneLeader(t, ctx, e)

	// Stopping the leader: the other two elect a new one and serve.
	old := e.Servers()[leader]
	if err := old.Stop(); err != nil {
		t.Fatal(err)
	}
	newLeader := -1
	eventually(t, 60*time.Second, func() (err error) {
		newLeader, err = e.Leader(ctx)
		return err
	})
	if newLeader == leader {
		t.Fatalf("the stopped member %d is still the leader", leader)
	}
	for i, s := range e.Servers() {
		if s != old {
			if sess := rawConnect(t, s.Addr(), 0, nil); sess.timeout == 0 {
				t.Fatalf("member %d refuses sessions after the leader stopped", i)
			}
		}
	}

	// The old leader rejoins (Start waits until it is leader or follower).
	if err := old.Start(); err != nil {
		t.Fatal(err)
	}
	checkOneLeader(t, ctx, e)

	// Without its quorum, a member with read-only mode serves reads.
	survivor := e.Servers()[newLeader]
	for _, s := range e.Servers() {
		if s != survivor {
			if err := s.Kill(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := survivor.WaitMode(ctx, "read-only"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Leader(ctx); err == nil {
		t.Fatal("a leader without a quorum")
	}

	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	for _, s := range e.Servers() {
		if s.Running() {
			t.Fatalf("%s still running after Close", s.Addr())
		}
	}
	if _, err := os.Stat(e.dir); !os.IsNotExist(err) {
		t.Fatalf("Close left %s: %v", e.dir, err)
	}
}

// checkOneLeader checks that exactly one member leads and the others
// follow, and that Leader names it.
func checkOneLeader(t *testing.T, ctx context.Context, e *Ensemble) int {
	t.Helper()
	leader := -1
	for i, s := range e.Servers() {
		m, err := s.Mode(ctx)
		if err != nil {
			t.Fatal(err)
		}
		switch m {
		case "leader":
			if leader >= 0 {
				t.Fatalf("members %d and %d both lead", leader, i)
			}
			leader = i
		case "follower":
		default:
			t.Fatalf("member %d is %q", i, m)
		}
	}
	if got, err := e.Leader(ctx); err != nil || got != leader {
		t.Fatalf("Leader = %d, %v; srvr says %d", got, err, leader)
	}
	return leader
}

// eventually polls f until it succeeds or within has passed.
func eventually(t *testing.T, within time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// An ensemble started WithReconfig keeps its servers in a dynamic config
// file; AddServer starts a fourth member that knows the membership and
// follows the leader before any reconfig has added it.
func TestEnsembleReconfigAddServer(t *testing.T) {
	e := StartEnsembleT(t, 3, WithReconfig(), WithSuperDigest("super", "secret"))
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	for i, s := range e.Servers() {
		if s.MyID() != i+1 || !strings.HasPrefix(s.QuorumSpec(), "server."+strconv.Itoa(i+1)+"=127.0.0.1:") ||
			!strings.HasSuffix(s.QuorumSpec(), ";"+s.Addr()) {
			t.Errorf("member %d: id %d, spec %q", i, s.MyID(), s.QuorumSpec())
		}
		cfg, err := os.ReadFile(filepath.Join(s.Dir(), "zoo.cfg"))
		if err != nil || !strings.Contains(string(cfg), "dynamicConfigFile=") || !strings.Contains(string(cfg), "reconfigEnabled=true") {
			t.Errorf("member %d zoo.cfg: %s, %v", i, cfg, err)
		}
	}
	conf, err := fourletter.Conf(ctx, e.Servers()[0].Addr())
	if err != nil {
		t.Fatal(err)
	}
	if len(conf.Members) != 3 {
		t.Fatalf("membership %v", conf.Members)
	}
	s, err := e.AddServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.MyID() != 4 || len(e.Servers()) != 4 {
		t.Fatalf("added member id %d, %d servers", s.MyID(), len(e.Servers()))
	}
	if m, err := s.Mode(ctx); err != nil || m != "follower" {
		t.Fatalf("new member mode %q, %v", m, err)
	}
	// Not a voting member yet: the leader's config still has three.
	conf, err = fourletter.Conf(ctx, s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if len(conf.Members) != 3 || strings.Contains(strings.Join(conf.Members, ","), s.QuorumSpec()) {
		t.Errorf("the new member's config already has it: %v", conf.Members)
	}
	if _, err := StartEnsembleT(t, 1).AddServer(ctx); err == nil {
		t.Error("AddServer on an ensemble without WithReconfig")
	}
}
