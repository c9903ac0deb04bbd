package zk_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// Bad arguments fail with ErrInvalidArgument before anything is sent: the
// shared server has reconfig disabled, so a request that reached it would
// fail with ErrReconfigDisabled instead.
func TestReconfigBadInput(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 30*time.Second)
	const ok = "server.4=127.0.0.1:2888:3888:participant;127.0.0.1:2181"
	for name, call := range map[string]func() error{
		"nothing": func() error { _, _, err := c.IncrementalReconfig(ctx, nil, nil, -1); return err },
		"empty lists": func() error {
			_, _, err := c.IncrementalReconfig(ctx, []string{}, []string{}, -1)
			return err
		},
		"no members":         func() error { _, _, err := c.Reconfig(ctx, nil, -1); return err },
		"leaving not an id":  func() error { _, _, err := c.IncrementalReconfig(ctx, nil, []string{"three"}, -1); return err },
		"leaving negative":   func() error { _, _, err := c.IncrementalReconfig(ctx, nil, []string{"-1"}, -1); return err },
		"leaving empty":      func() error { _, _, err := c.IncrementalReconfig(ctx, nil, []string{""}, -1); return err },
		"leaving two in one": func() error { _, _, err := c.IncrementalReconfig(ctx, nil, []string{"1,2"}, -1); return err },
		"joining no id": func() error {
			_, _, err := c.IncrementalReconfig(ctx, []string{"server.x=h:1:2;3"}, nil, -1)
			return err
		},
		"joining no spec":    func() error { _, _, err := c.IncrementalReconfig(ctx, []string{"server.4="}, nil, -1); return err },
		"joining not server": func() error { _, _, err := c.IncrementalReconfig(ctx, []string{"host:1:2;3"}, nil, -1); return err },
		"joining with comma": func() error {
			_, _, err := c.IncrementalReconfig(ctx, []string{ok + ",server.5=h:1:2;3"}, nil, -1)
			return err
		},
		"joining with a line": func() error {
			_, _, err := c.IncrementalReconfig(ctx, []string{ok + "\nserver.5=h:1:2;3"}, nil, -1)
			return err
		},
		"bad version":     func() error { _, _, err := c.IncrementalReconfig(ctx, []string{ok}, nil, -2); return err },
		"member no value": func() error { _, _, err := c.Reconfig(ctx, []string{"server.1"}, -1); return err },
		"member bad id":   func() error { _, _, err := c.Reconfig(ctx, []string{"server.one=h:1:2;3"}, -1); return err },
		"only weights":    func() error { _, _, err := c.Reconfig(ctx, []string{"weight.1=1"}, -1); return err },
		"members two in one": func() error {
			_, _, err := c.Reconfig(ctx, []string{ok + "\n" + ok}, -1)
			return err
		},
		"members bad version": func() error { _, _, err := c.Reconfig(ctx, []string{ok}, -5); return err },
		"nil context": func() error {
			//lint:ignore SA1012 a nil context is the bad input under test
			_, _, err := c.IncrementalReconfig(nil, []string{ok}, nil, -1) //nolint:staticcheck
			return err
		},
	} {
		err := call()
		if !errors.Is(err, zk.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
	// The same client's well-formed request reaches the server, which
	// refuses it: the checks above are what stopped the others.
	if _, _, err := c.IncrementalReconfig(ctx, nil, []string{"1"}, -1); !errors.Is(err, zk.ErrReconfigDisabled) {
		t.Errorf("well-formed reconfig on a server without reconfigEnabled: %v, want ErrReconfigDisabled", err)
	}
	// Spellings the checks let through: spaces around a joining key, and
	// a config line's trailing newline (go-zookeeper's users write
	// members so).
	for _, joining := range []string{" server.4 =127.0.0.1:2888:3888:participant;127.0.0.1:2181", ok + "\n"} {
		if _, _, err := c.IncrementalReconfig(ctx, []string{joining}, nil, -1); !errors.Is(err, zk.ErrReconfigDisabled) {
			t.Errorf("joining %q: %v, want ErrReconfigDisabled (sent)", joining, err)
		}
		if _, _, err := c.Reconfig(ctx, []string{joining}, -1); !errors.Is(err, zk.ErrReconfigDisabled) {
			t.Errorf("member %q: %v, want ErrReconfigDisabled (sent)", joining, err)
		}
	}
	// Under a chroot there is no config watch; Config still reads the node.
	under := testPath(t)
	mustCreate(t, c, under, nil)
	cc := connect(t, zk.WithChroot(under))
	if _, _, _, err := cc.ConfigW(ctx); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Errorf("ConfigW under a chroot: %v", err)
	}
	if _, _, err := cc.Config(ctx); err != nil {
		t.Errorf("Config under a chroot: %v", err)
	}
}

func TestConfigVersion(t *testing.T) {
	v, err := zk.ConfigVersion([]byte("server.1=127.0.0.1:1:2:participant;127.0.0.1:3\nversion=100000000"))
	if err != nil || v != 0x100000000 {
		t.Errorf("ConfigVersion = %x, %v", v, err)
	}
	for _, bad := range []string{"", "server.1=a:1:2", "version=zz"} {
		if _, err := zk.ConfigVersion([]byte(bad)); err == nil {
			t.Errorf("ConfigVersion(%q) accepted", bad)
		}
	}
}

// A 3-server ensemble with reconfig enabled: a superuser session adds a
// fourth member, removes one, then sets the membership in bulk; each time
// the returned config and Stat are the ones /zookeeper/config then holds,
// and a config watch fires.
func TestReconfigEnsemble(t *testing.T) {
	e := zktest.StartEnsembleT(t, 3, zktest.WithReconfig(), zktest.WithSuperDigest("super", "secret"))
	ctx := ctxFor(t, 3*time.Minute)
	li, err := e.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leader := e.Servers()[li]
	// On the leader, so that removing a follower does not move the session.
	c := connectTo(t, []string{leader.Addr()}, zk.WithAuth("digest", []byte("super:secret")))
	plain := connectTo(t, []string{leader.Addr()})

	data, stat, w, err := c.ConfigW(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v0, err := zk.ConfigVersion(data)
	if err != nil {
		t.Fatal(err)
	}
	if members := configMembers(data); len(members) != 3 {
		t.Fatalf("initial config %q", data)
	}
	if stat.DataLength != int32(len(data)) {
		t.Fatalf("Stat %+v for %d bytes", stat, len(data))
	}

	// Without the superuser: refused by the ACL of /zookeeper/config.
	if _, _, err := plain.IncrementalReconfig(ctx, nil, []string{strconv.Itoa(leader.MyID())}, -1); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("reconfig without auth: %v, want ErrNoAuth", err)
	}

	// Add a fourth member.
	s4, err := e.AddServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data, stat, err = c.IncrementalReconfig(ctx, []string{s4.QuorumSpec()}, nil, v0)
	if err != nil {
		t.Fatalf("adding %s: %v", s4.QuorumSpec(), err)
	}
	v1 := checkReconfigResult(t, ctx, c, data, stat, v0)
	if members := configMembers(data); len(members) != 4 || !slices.Contains(members, s4.QuorumSpec()) {
		t.Fatalf("after adding server 4: %q", data)
	}
	ev := nextEvent(t, w, 30*time.Second)
	if ev.Type != zk.EventNodeDataChanged || ev.Path != zk.ConfigNode {
		t.Fatalf("config watch: %+v", ev)
	}
	if err := s4.WaitMode(ctx, "follower", "leader"); err != nil {
		t.Fatal(err)
	}

	// A stale version is refused.
	if _, _, err := c.IncrementalReconfig(ctx, nil, []string{"4"}, v0); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("reconfig from version %x after %x: %v, want ErrBadVersion", v0, v1, err)
	}

	// Remove a follower of the first three.
	var gone *zktest.Server
	for _, s := range e.Servers()[:3] {
		if s != leader {
			gone = s
			break
		}
	}
	data, stat, err = c.IncrementalReconfig(ctx, nil, []string{strconv.Itoa(gone.MyID())}, v1)
	if err != nil {
		t.Fatalf("removing %d: %v", gone.MyID(), err)
	}
	v2 := checkReconfigResult(t, ctx, c, data, stat, v1)
	members := configMembers(data)
	if len(members) != 3 || slices.Contains(members, gone.QuorumSpec()) {
		t.Fatalf("after removing server %d: %q", gone.MyID(), data)
	}

	// Bulk: the leader and server 4 only, written as config lines (with
	// their newline) the way go-zookeeper's users and its own tests do.
	data, stat, err = c.Reconfig(ctx, []string{leader.QuorumSpec() + "\n", s4.QuorumSpec() + "\n"}, v2)
	if err != nil {
		t.Fatalf("bulk reconfig: %v", err)
	}
	checkReconfigResult(t, ctx, c, data, stat, v2)
	if members := configMembers(data); !sameMembers(members, []string{leader.QuorumSpec(), s4.QuorumSpec()}) {
		t.Fatalf("after the bulk reconfig: %q", data)
	}
	// The ensemble still serves writes with its new membership.
	p := testPath(t)
	if _, err := c.Create(ctx, p, nil, zk.Persistent, open); err != nil {
		t.Fatalf("create after the reconfigs: %v", err)
	}
}

// checkReconfigResult checks what a reconfig returned against a fresh
// read of /zookeeper/config and returns the new config version.
func checkReconfigResult(t *testing.T, ctx context.Context, c *zk.Client, data []byte, stat *zk.Stat, from int64) int64 {
	t.Helper()
	v, err := zk.ConfigVersion(data)
	if err != nil {
		t.Fatal(err)
	}
	// The new config's version is the zxid of the reconfig, which is
	// also the node's last modification.
	if v <= from || stat.Mzxid != v || stat.DataLength != int32(len(data)) {
		t.Fatalf("reconfig from %x returned version %x, Stat %+v (%d bytes)", from, v, stat, len(data))
	}
	if err := c.Sync(ctx, "/"); err != nil {
		t.Fatal(err)
	}
	now, nowStat, err := c.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(now) != string(data) || nowStat.Mzxid != stat.Mzxid {
		t.Fatalf("Config after reconfig: %q (mzxid %x), reconfig returned %q (mzxid %x)", now, nowStat.Mzxid, data, stat.Mzxid)
	}
	return v
}

// configMembers returns the server lines of a config.
func configMembers(data []byte) []string {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "server.") {
			out = append(out, l)
		}
	}
	return out
}

func sameMembers(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func ExampleClient_IncrementalReconfig() {
	ctx := context.Background()
	// Reconfig needs a session allowed to write /zookeeper/config: by
	// default the superuser (-Dzookeeper.DigestAuthenticationProvider.superDigest).
	c, err := zk.Connect(ctx, []string{"127.0.0.1:2181"}, zk.WithAuth("digest", []byte("super:secret")))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	cfg, _, err := c.Config(ctx)
	if err != nil {
		log.Fatal(err)
	}
	from, err := zk.ConfigVersion(cfg)
	if err != nil {
		log.Fatal(err)
	}
	// Server 4 joins and server 2 leaves, if the config is still the one read.
	cfg, stat, err := c.IncrementalReconfig(ctx,
		[]string{"server.4=10.0.0.4:2888:3888:participant;2181"}, []string{"2"}, from)
	if errors.Is(err, zk.ErrBadVersion) {
		log.Fatal("someone else reconfigured first")
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("config version %x:\n%s\n", stat.Mzxid, cfg)
}
