package zk_test

import (
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// A session a read-only server created is replaced by a read-write
// server's, its watches carried over. What changed meanwhile must reach
// them as after any reconnect: persistent and recursive watches get the
// Resync marker before any later event, one-shots fire for changes made
// since the client's last zxid (and only for those).
func TestWatchesCarriedFromReadOnlySession(t *testing.T) {
	e := zktest.StartEnsembleT(t, 3, zktest.WithReadOnlyMode(), zktest.WithLocalSessions())
	ctx := ctxFor(t, 5*time.Minute)
	setup := connectTo(t, e.Addrs())
	p := testPath(t)
	u := p + "-same"
	mustCreate(t, setup, p, []byte("v1"))
	mustCreate(t, setup, u, nil)
	setup.Close()

	servers := e.Servers()
	var proxies []*zktest.Proxy
	var addrs []string
	for _, a := range e.Addrs() {
		px := startProxy(t, a)
		proxies = append(proxies, px)
		addrs = append(addrs, px.Addr())
	}
	for _, s := range servers[1:] {
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	waitMode(t, servers[0], "read-only", 60*time.Second)

	rec := &stateRecorder{}
	c := connectTo(t, addrs, zk.WithReadOnly(), zk.WithStateListener(rec.add), zk.WithSessionTimeout(40*time.Second))
	if st := c.State(); st != zk.StateConnectedReadOnly {
		t.Fatalf("state %v, want ConnectedReadOnly", st)
	}
	roID := c.SessionID()
	rw, err := c.AddWatch(ctx, p, zk.KindPersistentRecursive)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Stop()
	_, _, ew, err := c.ExistsW(ctx, p+"/one")
	if err != nil {
		t.Fatal(err)
	}
	_, _, dw, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, _, uw, err := c.GetW(ctx, u)
	if err != nil {
		t.Fatal(err)
	}

	// The client reaches no server while the quorum comes back and
	// another client changes the watched nodes.
	for _, px := range proxies {
		px.SetRefuse(true)
		px.Cut()
	}
	rec.waitFor(t, zk.StateDisconnected, 1, 30*time.Second)
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	writer := connectTo(t, e.Addrs())
	eventually(t, 90*time.Second, func() error {
		_, err := writer.Create(ctx, p+"/one", nil, zk.Persistent, open)
		return err
	})
	mustCreate(t, writer, p+"/two", nil)
	if _, err := writer.Set(ctx, p, []byte("v2"), -1); err != nil {
		t.Fatal(err)
	}
	for _, px := range proxies {
		px.SetRefuse(false)
	}
	rec.waitFor(t, zk.StateConnected, 1, 90*time.Second)
	if c.SessionID() == roID {
		t.Fatal("still the read-only server's session")
	}

	if ev := nextEvent(t, rw, 10*time.Second); ev.Type != zk.EventNone || ev.State != zk.StateDisconnected {
		t.Fatalf("recursive watch: %v, want Disconnected", ev)
	}
	if ev := nextEvent(t, rw, 10*time.Second); ev.Type != zk.EventNone || !ev.Resync {
		t.Fatalf("recursive watch: %v, want the resync marker", ev)
	}
	if ev := nextEvent(t, ew, 30*time.Second); ev.Type != zk.EventNodeCreated {
		t.Fatalf("exists watch carried over: %v, want NodeCreated", ev)
	}
	if ev := nextEvent(t, dw, 30*time.Second); ev.Type != zk.EventNodeDataChanged {
		t.Fatalf("data watch carried over: %v, want NodeDataChanged", ev)
	}
	// The watches are on the new session: later changes arrive, and the
	// untouched node's watch stays silent until it changes.
	if _, err := writer.Set(ctx, p+"/two", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	// The catch-up events of the one-shots restored in its subtree reach
	// the recursive watch too; nothing else comes before the new change.
	catchUp := map[zk.Event]bool{
		{Type: zk.EventNodeDataChanged, State: zk.StateConnected, Path: p}:      true,
		{Type: zk.EventNodeCreated, State: zk.StateConnected, Path: p + "/one"}: true,
	}
	for {
		ev := nextEvent(t, rw, 10*time.Second)
		if ev.Type == zk.EventNodeDataChanged && ev.Path == p+"/two" {
			break
		}
		if !catchUp[ev] {
			t.Fatalf("recursive watch after the move: %v", ev)
		}
		delete(catchUp, ev)
	}
	noEvent(t, uw, 200*time.Millisecond)
	if _, err := writer.Set(ctx, u, []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, uw, 10*time.Second); ev.Type != zk.EventNodeDataChanged {
		t.Fatalf("untouched node's watch: %v", ev)
	}
}
