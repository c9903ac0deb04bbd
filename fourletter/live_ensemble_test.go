package fourletter_test

import (
	"slices"
	"testing"
	"time"

	"github.com/zkwire/zk/fourletter"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/zktest"
)

// On an ensemble with local sessions, a follower's dump lists global
// sessions with their timeouts and then its local ones by expiry; srvr,
// mntr and conf say which member leads and who the members are.
func TestLiveEnsemble(t *testing.T) {
	e := zktest.StartEnsembleT(t, 3, zktest.WithLocalSessions())
	ctx := testenv.Ctx(t, 2*time.Minute)
	li, err := e.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leader, follower := e.Servers()[li], e.Servers()[(li+1)%3]
	// A session that creates an ephemeral node is upgraded to a global
	// one; a session that only reads stays local to its follower.
	sc := populate(t, follower.Addr())
	local := testenv.Connect(t, follower.Addr())
	if _, _, err := local.Get(ctx, "/"); err != nil {
		t.Fatal(err)
	}

	d, err := fourletter.Dump(ctx, follower.Addr())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range sc.sessions {
		if d.Timeouts[id] != 8*time.Second {
			t.Errorf("global session 0x%x: timeout %v in %+v", id, d.Timeouts[id], d)
		}
	}
	if !slices.Contains(d.Sessions, local.SessionID()) || d.Expiry[local.SessionID()].IsZero() {
		t.Errorf("local session 0x%x not listed with an expiry: %+v", local.SessionID(), d)
	}
	if len(d.Ephemerals) < 2 {
		t.Errorf("ephemerals %v", d.Ephemerals)
	}

	ls, err := fourletter.Srvr(ctx, leader.Addr())
	if err != nil || ls.Mode != "leader" || ls.ProposalSizes == "" {
		t.Errorf("leader srvr %+v, %v", ls, err)
	}
	fs, err := fourletter.Srvr(ctx, follower.Addr())
	if err != nil || fs.Mode != "follower" || fs.ProposalSizes != "" {
		t.Errorf("follower srvr %+v, %v", fs, err)
	}
	m, err := fourletter.Mntr(ctx, leader.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := m.Int("zk_synced_followers"); err != nil || n != 2 {
		t.Errorf("zk_synced_followers = %d, %v", n, err)
	}
	conf, err := fourletter.Conf(ctx, follower.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if len(conf.Members) != 3 { // version=0: a static config
		t.Errorf("conf members %v version %x", conf.Members, conf.MembershipVersion)
	}
}
