package chaos

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/zktest"
)

// sessionTimeout is short so that a black hole outlasts it quickly.
const sessionTimeout = 4 * time.Second

// proxied is a client whose every server is reached through a fault proxy
// of its own, so faults can target one client.
type proxied struct {
	c       *zk.Client
	proxies []*zktest.Proxy
}

func (p *proxied) cut() {
	for _, x := range p.proxies {
		x.Cut()
	}
}

func (p *proxied) blackhole(on bool) {
	for _, x := range p.proxies {
		x.SetBlackhole(on)
	}
}

func dialProxied(t *testing.T, ens *zktest.Ensemble) *proxied {
	t.Helper()
	p := &proxied{}
	var addrs []string
	for _, a := range ens.Addrs() {
		x := testenv.Proxy(t, a)
		p.proxies = append(p.proxies, x)
		addrs = append(addrs, x.Addr())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, addrs, zk.WithSessionTimeout(sessionTimeout), zk.WithNewSessionOnExpiry())
	if err != nil {
		t.Fatal(err)
	}
	p.c = c
	return p
}

// TestChaos runs the workload while it injects, in turn: a leader kill
// and restart, a cut of every client connection, a follower kill and
// restart, a black hole longer than the session timeout (the session
// expires) and an explicit session expiry. Then it checks the invariants:
// every call returned within its deadline (plus callSlack), every
// acknowledged write is on the server, the lock never had two holders,
// the tree cache equals a fresh read, and (TestMain) no goroutine leaked.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("the chaos test takes about a minute; not run with -short")
	}
	ens := zktest.StartEnsembleT(t, 3, zktest.WithSessionTimeouts(2*time.Second, 20*time.Second))
	tr := newTracker()

	setup := connectDirect(t, ens)
	mustCreate(t, setup, "/chaos")
	const writers = 4
	for i := range writers {
		mustCreate(t, setup, fmt.Sprintf("/chaos/w%d", i))
	}

	work := dialProxied(t, ens)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	ws := make([]*writer, writers)
	for i := range ws {
		ws[i] = newWriter(work.c, tr, fmt.Sprintf("/chaos/w%d", i), 12, uint64(i+1))
		wg.Add(1)
		go func() { defer wg.Done(); ws[i].run(stop) }()
	}
	extras := startExtras(t, ens, tr, stop, &wg)

	injectFaults(t, ens, tr, work, extras)

	close(stop)
	wg.Wait()

	// Every acknowledged write is on the server, read by a client that saw
	// none of the faults.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := setup.Sync(ctx, "/chaos"); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if err := w.verify(ctx, setup); err != nil {
			tr.violate("%v", err)
		}
	}
	extras.verify(ctx, t, setup, tr)

	if err := work.c.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	extras.close()
	t.Log(tr.summary())
	for _, o := range tr.others {
		t.Logf("other error: %s", o)
	}
	fmt.Println(tr.summary())
	for _, v := range tr.violations {
		t.Error(v)
	}
}

// injectFaults runs the fault schedule, a few seconds of steady workload
// between faults.
func injectFaults(t *testing.T, ens *zktest.Ensemble, tr *tracker, work *proxied, extras *extras) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pause := func() { time.Sleep(3 * time.Second) }
	restart := func(role string, pick func() (int, error)) {
		i, err := pick()
		if err != nil {
			t.Fatalf("find %s: %v", role, err)
		}
		s := ens.Servers()[i]
		tr.fault("kill " + role)
		if err := s.Kill(); err != nil {
			t.Fatalf("kill %s: %v", role, err)
		}
		time.Sleep(2 * time.Second)
		if err := s.Start(); err != nil {
			t.Fatalf("restart %s: %v", role, err)
		}
		if err := s.WaitMode(ctx, "leader", "follower"); err != nil {
			t.Fatalf("%s rejoining: %v", role, err)
		}
	}
	leader := func() (int, error) { return waitLeader(ctx, ens) }
	follower := func() (int, error) {
		l, err := waitLeader(ctx, ens)
		return (l + 1) % len(ens.Servers()), err
	}

	pause()
	restart("leader", leader)
	pause()
	tr.fault("cut")
	work.cut()
	extras.cut()
	pause()
	restart("follower", follower)
	pause()

	tr.fault("blackhole")
	old := work.c.SessionID()
	work.blackhole(true)
	time.Sleep(sessionTimeout + 3*time.Second)
	work.blackhole(false)
	waitNewSession(t, ctx, work.c, old)
	pause()

	tr.fault("expire")
	extras.expire(ctx, t, ens)
	pause()
}

func waitLeader(ctx context.Context, ens *zktest.Ensemble) (int, error) {
	for {
		i, err := ens.Leader(ctx)
		if err == nil && i >= 0 {
			return i, nil
		}
		select {
		case <-ctx.Done():
			return -1, fmt.Errorf("no leader: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitNewSession waits until c runs on a session other than old.
func waitNewSession(t *testing.T, ctx context.Context, c *zk.Client, old int64) {
	t.Helper()
	for c.SessionID() == old || c.State() != zk.StateConnected {
		select {
		case <-ctx.Done():
			t.Fatalf("session %#x never replaced after the black hole (state %v)", old, c.State())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func connectDirect(t *testing.T, ens *zktest.Ensemble) *zk.Client {
	t.Helper()
	return testenv.ConnectTo(t, ens.Addrs(), zk.WithSessionTimeout(10*time.Second))
}

func mustCreate(t *testing.T, c *zk.Client, p string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.Create(ctx, p, nil, zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create %s: %v", p, err)
	}
}
