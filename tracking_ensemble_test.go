package zk_test

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// trackedClient is one client of TestEnsembleTrackingReconfig.
type trackedClient struct {
	c       *zk.Client
	id      int64
	expired atomic.Bool
}

// spread counts the clients connected to each of members; a client on no
// member (or disconnected) counts under "".
func spread(clients []*trackedClient, members []string) map[string]int {
	count := map[string]int{}
	for _, m := range members {
		count[m] = 0
	}
	for _, tc := range clients {
		s := tc.c.Server()
		if !slices.Contains(members, s) {
			s = ""
		}
		count[s]++
	}
	return count
}

func formatSpread(count map[string]int) string {
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%d", k, count[k])
	}
	return b.String()
}

// The ensemble changes under 100 tracking clients: a 4th server joins
// (made while one client is cut off, which picks it up when it
// reconnects), then a 5th, then the original leader's server leaves and
// is stopped. Every client keeps its session throughout (same SessionID,
// never StateExpired), ends up connected to a current member and holding
// one config watch, and the clients spread evenly: each of the 4 final
// members has between 0.4x and 1.6x of the fair share of 25 (with the
// rebalancing each client ends on a member with probability 1/4, so a
// count is Binomial(100, 1/4), standard deviation 4.3: the band is 3.5
// of them, failing by chance about once in 500 runs). Without
// rebalancing, the two new members would get none but the removed
// server's clients, and fail the lower bound.
//
// At most 5 server JVMs run at once (briefly, between the removal and the
// stop).
func TestEnsembleTrackingReconfig(t *testing.T) {
	e := zktest.StartEnsembleT(t, 3, zktest.WithReconfig(), zktest.WithSuperDigest("super", "secret"))
	ctx := ctxFor(t, 6*time.Minute)
	li, err := e.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leader := e.Servers()[li]
	var follower *zktest.Server
	for _, s := range e.Servers() {
		if s != leader {
			follower = s
			break
		}
	}
	clients := make([]*trackedClient, 100)
	// The superuser that reconfigures sits on a follower that stays.
	admin := connectTo(t, []string{follower.Addr()}, zk.WithAuth("digest", []byte("super:secret")),
		zk.WithSessionTimeout(30*time.Second))
	// reconfig applies a change, again while the joiner is not synced yet
	// or the connection drops (removing the leader ends its followers'
	// connections too), until the config shows it.
	reconfig := func(joining, leaving []string) {
		t.Helper()
		eventually(t, 90*time.Second, func() error {
			if err := admin.Sync(ctx, "/"); err != nil {
				return err
			}
			data, _, err := admin.Config(ctx)
			if err != nil {
				return err
			}
			done := true
			for _, j := range joining {
				done = done && slices.Contains(configMembers(data), j)
			}
			for _, l := range leaving {
				for _, m := range configMembers(data) {
					done = done && !strings.HasPrefix(m, "server."+l+"=")
				}
			}
			if done {
				return nil
			}
			_, _, err = admin.IncrementalReconfig(ctx, joining, leaving, -1)
			switch {
			case err == nil:
				return nil
			case errors.Is(err, zk.ErrNewConfigNoQuorum), errors.Is(err, zk.ErrReconfigInProgress), errors.Is(err, zk.ErrConnectionLoss):
				return err
			}
			t.Fatalf("reconfig +%v -%v: %v", joining, leaving, err)
			return nil
		})
	}
	// settle waits until every client is connected to one of members.
	settle := func(members []string) {
		t.Helper()
		eventually(t, 90*time.Second, func() error {
			for i, tc := range clients {
				if s := tc.c.Server(); tc.c.State() != zk.StateConnected || !slices.Contains(members, s) {
					return fmt.Errorf("client %d: %v on %q, want one of %v", i, tc.c.State(), s, members)
				}
			}
			return nil
		})
	}

	// Every member serves sessions before the clients come, so that none
	// is skipped at the start (a member that has just joined the quorum
	// may still turn clients away).
	for _, a := range e.Addrs() {
		pc := connectTo(t, []string{a})
		if err := pc.Sync(ctx, "/"); err != nil {
			t.Fatal(err)
		}
		pc.Close()
	}
	const n = 100
	cut := &cutDialer{}
	for i := range clients {
		tc := &trackedClient{}
		opts := []zk.Option{zk.WithEnsembleTracking(), zk.WithSessionTimeout(30 * time.Second),
			zk.WithStateListener(func(s zk.State) {
				if s == zk.StateExpired {
					tc.expired.Store(true)
				}
			})}
		if i == 0 {
			opts = append(opts, zk.WithDialer(cut.dial))
		}
		tc.c = connectTo(t, e.Addrs(), opts...)
		tc.id = tc.c.SessionID()
		clients[i] = tc
	}
	members := e.Addrs()
	// Every tracker has read the config and set its watch.
	eventually(t, 60*time.Second, func() error {
		for i, tc := range clients {
			if ws := configWatches(tc.c); len(ws) != 1 || !ws[0].Server {
				return fmt.Errorf("client %d: config watches %+v", i, ws)
			}
		}
		return nil
	})
	t.Logf("3 members:%s", formatSpread(spread(clients, members)))

	waitLists := func(members []string, from int) {
		t.Helper()
		eventually(t, 90*time.Second, func() error {
			for i, tc := range clients[from:] {
				if got := tc.c.Servers(); !sameMembers(got, members) {
					return fmt.Errorf("client %d: servers %v, want %v", i+from, got, members)
				}
			}
			return nil
		})
	}

	// A 4th server joins while client 0 is cut off.
	s4, err := e.AddServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cut.setCut(true)
	eventually(t, 30*time.Second, func() error {
		if s := clients[0].c.State(); s == zk.StateConnected {
			return errors.New("client 0 still connected")
		}
		return nil
	})
	reconfig([]string{s4.QuorumSpec()}, nil)
	members = append(members, s4.Addr())
	waitLists(members, 1)
	if got := clients[0].c.Servers(); len(got) != 3 {
		t.Fatalf("client 0 changed its list while cut off: %v", got)
	}
	cut.setCut(false)
	waitLists(members, 0)
	settle(members)
	t.Logf("4 members:%s", formatSpread(spread(clients, members)))

	// A 5th.
	s5, err := e.AddServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reconfig([]string{s5.QuorumSpec()}, nil)
	members = append(members, s5.Addr())
	waitLists(members, 0)
	settle(members)
	// The spread is judged after the two additions: that is what the
	// rebalance rule decides (1-N/M of each old member's clients move to
	// the new ones).
	count := spread(clients, members)
	t.Logf("5 members (fair share %d, allowed %d..%d):%s", n/len(members), n*4/10/len(members), n*16/10/len(members), formatSpread(count))
	fair := float64(n) / float64(len(members))
	for _, m := range members {
		if got := float64(count[m]); got < 0.4*fair || got > 1.6*fair {
			t.Errorf("member %s has %d clients, want %.0f..%.0f", m, count[m], 0.4*fair, 1.6*fair)
		}
	}

	// The original leader's server leaves, then stops. Removing the leader
	// makes the ensemble elect another, and the surviving servers drop
	// their clients meanwhile; they come back to whichever server serves
	// first (as Java's clients do), so the spread after this step is
	// logged, not judged: each client must only be on a current member.
	reconfig(nil, []string{strconv.Itoa(leader.MyID())})
	members = slices.DeleteFunc(slices.Clone(members), func(a string) bool { return a == leader.Addr() })
	waitLists(members, 0)
	if err := leader.Stop(); err != nil {
		t.Fatal(err)
	}

	settle(members)
	t.Logf("final, 4 members:%s", formatSpread(spread(clients, members)))
	for i, tc := range clients {
		if tc.expired.Load() || tc.c.SessionID() != tc.id {
			t.Errorf("client %d: session 0x%x (was 0x%x), expired %v", i, tc.c.SessionID(), tc.id, tc.expired.Load())
		}
		if ws := configWatches(tc.c); len(ws) != 1 || ws[0].Watchers != 1 {
			t.Errorf("client %d: config watches %+v", i, ws)
		}
	}
}
