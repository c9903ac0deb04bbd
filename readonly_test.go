package zk_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// waitMode waits until s reports mode (srvr).
func waitMode(t *testing.T, s *zktest.Server, mode string, within time.Duration) {
	t.Helper()
	eventually(t, within, func() error {
		m, err := s.Mode(ctxFor(t, 5*time.Second))
		if err != nil {
			return err
		}
		if m != mode {
			return fmt.Errorf("mode %q, want %q", m, mode)
		}
		return nil
	})
}

// Read-only mode on a 3-server ensemble: a session that a read-write
// server created survives the loss of the quorum (reads go through a
// stand-in session of the read-only server, writes fail with
// ErrNotReadOnly) and is presented again, same id, with its ephemeral
// node, once the client finds a read-write server by itself. A session
// that starts on a read-only server is replaced by a real one, watches
// carried over.
func TestReadOnlyMode(t *testing.T) {
	e := zktest.StartEnsembleT(t, 3, zktest.WithReadOnlyMode(), zktest.WithLocalSessions())
	ctx := ctxFor(t, 5*time.Minute)
	rec := &stateRecorder{}
	c := connectTo(t, e.Addrs(), zk.WithReadOnly(), zk.WithStateListener(rec.add), zk.WithSessionTimeout(40*time.Second))
	p := testPath(t)
	mustCreate(t, c, p, []byte("v1"))
	// An ephemeral makes the session global (local sessions are upgraded),
	// so that the other servers know it.
	if _, err := c.Create(ctx, p+"/eph", nil, zk.Ephemeral, open); err != nil {
		t.Fatal(err)
	}
	id := c.SessionID()
	keep := -1
	for i, a := range e.Addrs() {
		if a == c.Server() {
			keep = i
		}
	}
	servers := e.Servers()
	for i, s := range servers {
		if i != keep {
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("session kept through read-only", func(t *testing.T) {
		rec.waitFor(t, zk.StateConnectedReadOnly, 1, 60*time.Second)
		if c.SessionID() != id {
			t.Fatalf("session %x, want %x", c.SessionID(), id)
		}
		data, _, err := c.Get(ctx, p)
		if err != nil || string(data) != "v1" {
			t.Fatalf("read-only get: %q %v", data, err)
		}
		if _, err := c.Set(ctx, p, []byte("v2"), -1); !errors.Is(err, zk.ErrNotReadOnly) {
			t.Fatalf("read-only set: %v, want ErrNotReadOnly", err)
		}
		// Quorum back: the client finds a read-write server by itself.
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		rec.waitFor(t, zk.StateConnected, 2, 90*time.Second)
		if c.SessionID() != id {
			t.Fatalf("session %x after read-only, want %x", c.SessionID(), id)
		}
		if ok, _, err := c.Exists(ctx, p+"/eph"); err != nil || !ok {
			t.Fatalf("the session's ephemeral node: %v %v", ok, err)
		}
		if _, err := c.Set(ctx, p, []byte("v2"), -1); err != nil {
			t.Fatalf("set after read-only: %v", err)
		}
	})

	for i, s := range servers {
		if i != keep {
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitMode(t, servers[keep], "read-only", 60*time.Second)

	t.Run("prober finds a read-write server", func(t *testing.T) {
		// The read-only survivor, and the shared standalone server behind
		// a proxy that refuses connections at first. The client makes no
		// request, so its last zxid (0) does not stop the standalone
		// server from taking it.
		rw := startProxy(t, srv.Addr())
		rw.SetRefuse(true)
		rec3 := &stateRecorder{}
		c3 := connectTo(t, []string{e.Addrs()[keep], rw.Addr()}, zk.WithReadOnly(), zk.WithStateListener(rec3.add))
		if st := c3.State(); st != zk.StateConnectedReadOnly {
			t.Fatalf("state %v", st)
		}
		rw.SetRefuse(false)
		rec3.waitFor(t, zk.StateConnected, 1, 60*time.Second)
		if c3.Server() != rw.Addr() {
			t.Fatalf("connected to %s, want the read-write server %s", c3.Server(), rw.Addr())
		}
	})

	t.Run("session started read-only", func(t *testing.T) {
		rec2 := &stateRecorder{}
		ro := connectTo(t, e.Addrs(), zk.WithReadOnly(), zk.WithStateListener(rec2.add), zk.WithSessionTimeout(40*time.Second))
		if st := ro.State(); st != zk.StateConnectedReadOnly {
			t.Fatalf("state %v", st)
		}
		roID := ro.SessionID()
		q := p + "/later"
		ok, _, w, err := ro.ExistsW(ctx, q)
		if err != nil || ok {
			t.Fatalf("existsW: %v %v", ok, err)
		}
		if _, err := ro.Create(ctx, q, nil, zk.Persistent, open); !errors.Is(err, zk.ErrNotReadOnly) {
			t.Fatalf("create on a read-only server: %v", err)
		}
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		rec2.waitFor(t, zk.StateConnected, 1, 90*time.Second)
		if ro.SessionID() == roID {
			t.Fatal("still the read-only server's session")
		}
		// The watch set on the read-only session was carried over.
		mustCreate(t, c, q, nil)
		if ev := nextEvent(t, w, 30*time.Second); ev.Type != zk.EventNodeCreated {
			t.Fatalf("event %v, want NodeCreated", ev)
		}
	})
}
