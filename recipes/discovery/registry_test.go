package discovery_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/recipes/discovery"
	"github.com/zkwire/zk/zktest"
)

// 50 instances over 5 clients; 2 of those sessions expire; the
// registrations come back in the new sessions and 3 discoverers on other
// clients converge to the 50 again.
func TestRegistrationsComeBackAfterExpiry(t *testing.T) {
	ctx := ctxFor(t, 3*time.Minute)
	name := testService(t)
	var clients []*zk.Client
	for i := range 5 {
		c := connect(t, zk.WithNewSessionOnExpiry())
		clients = append(clients, c)
		r := newRegistry(t, c)
		for j := range 10 {
			if err := r.Register(ctx, inst(name, fmt.Sprintf("i%d-%d", i, j))); err != nil {
				t.Fatal(err)
			}
		}
	}
	var ds []*discovery.Discoverer
	for range 3 {
		ds = append(ds, newDiscoverer(t, connect(t, zk.WithNewSessionOnExpiry()), name))
	}
	for _, d := range ds {
		if _, err := d.WaitFor(ctx, count(50)); err != nil {
			t.Fatal(err)
		}
	}

	// Watch the views while the sessions expire: each should lose the 20
	// instances (their nodes go with the sessions) and get them back.
	var wg sync.WaitGroup
	lowest := make([]int, len(ds))
	back := make([]time.Duration, len(ds))
	start := time.Now()
	for i, d := range ds {
		lowest[i] = 50
		wg.Add(1)
		go func() {
			defer wg.Done()
			wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			if _, err := d.WaitFor(wctx, func(ins []discovery.Instance) bool {
				lowest[i] = min(lowest[i], len(ins))
				return lowest[i] <= 30 && len(ins) == 50
			}); err == nil {
				back[i] = time.Since(start)
			}
		}()
	}
	checker := connect(t)
	expiredIDs := map[int64]bool{}
	var ewg sync.WaitGroup
	for _, c := range clients[:2] {
		expiredIDs[c.SessionID()] = true
		ewg.Add(1)
		go func() {
			defer ewg.Done()
			if err := zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
				t.Error(err)
			}
		}()
	}
	ewg.Wait()
	expired := time.Since(start)
	// On the server: all 50 nodes, each owned by its client's new session.
	for {
		ok := true
		for i, c := range clients {
			for j := range 10 {
				_, st, err := checker.Get(ctx, fmt.Sprintf("/services/%s/i%d-%d", name, i, j))
				if err != nil || st.EphemeralOwner != c.SessionID() || expiredIDs[st.EphemeralOwner] {
					ok = false
				}
			}
		}
		if ok {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("registrations did not come back")
		}
		time.Sleep(10 * time.Millisecond)
	}
	registered := time.Since(start)
	wg.Wait()
	worst := registered
	for i, d := range ds {
		if n := len(d.Instances()); n != 50 {
			t.Fatalf("discoverer %d sees %d instances", i, n)
		}
		if lowest[i] > 30 {
			// The re-registration beat this view's read of the deletions: its
			// view never showed them missing. Count it converged when the
			// server was.
			t.Logf("discoverer %d never saw the expired instances missing (lowest %d)", i, lowest[i])
			continue
		}
		worst = max(worst, back[i])
	}
	t.Logf("3 discoverers back to 50 instances %v after the expiry began (%v to expire both sessions on the server, %v until all 50 nodes were back)",
		worst.Round(time.Millisecond), expired.Round(time.Millisecond), registered.Round(time.Millisecond))
	if worst > 60*time.Second {
		t.Fatalf("convergence took %v", worst)
	}
	// The nodes belong to the new sessions.
	for i, c := range clients {
		for j := range 10 {
			_, st, err := c.Get(ctx, fmt.Sprintf("/services/%s/i%d-%d", name, i, j))
			if err != nil {
				t.Fatal(err)
			}
			if st.EphemeralOwner != c.SessionID() {
				t.Fatalf("i%d-%d owned by %#x, client session %#x", i, j, st.EphemeralOwner, c.SessionID())
			}
		}
	}
}

func TestRegistryPutsBackUpdatesAndUnregisters(t *testing.T) {
	ctx := ctxFor(t, 60*time.Second)
	name := testService(t)
	c := connect(t)
	other := connect(t)
	r := newRegistry(t, c)
	d := newDiscoverer(t, other, name)
	a := inst(name, "a")
	if err := r.Register(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WaitFor(ctx, count(1)); err != nil {
		t.Fatal(err)
	}
	p := "/services/" + name + "/a"

	// Someone deletes the node: it comes back.
	if err := other.Delete(ctx, p, -1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, st, err := other.Exists(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if ok && st.EphemeralOwner == c.SessionID() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("deleted node not put back")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Someone overwrites it: the registration's data is put back.
	if _, err := other.Set(ctx, p, []byte("garbage"), -1); err != nil {
		t.Fatal(err)
	}
	a.Load = 0.75
	a.Payload = map[string]string{"zone": "b"}
	if err := r.Update(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := d.WaitFor(ctx, func(ins []discovery.Instance) bool {
		return len(ins) == 1 && ins[0].Load == 0.75
	})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Payload["zone"] != "b" {
		t.Fatalf("payload %v", got[0].Payload)
	}

	if err := r.Unregister(ctx, name, "a"); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := other.Exists(ctx, p); ok {
		t.Fatal("node still there after Unregister")
	}
	if _, err := d.WaitFor(ctx, count(0)); err != nil {
		t.Fatal(err)
	}
	if err := r.Update(ctx, a); !errors.Is(err, discovery.ErrNotRegistered) {
		t.Fatalf("Update after Unregister: %v", err)
	}
	if err := r.Unregister(ctx, name, "a"); !errors.Is(err, discovery.ErrNotRegistered) {
		t.Fatalf("second Unregister: %v", err)
	}
}

func TestRegisterRejectsBadInstancesAndConflicts(t *testing.T) {
	ctx := ctxFor(t, 30*time.Second)
	name := testService(t)
	c := connect(t)
	r := newRegistry(t, c)
	bad := []discovery.Instance{
		{Name: name, Address: "h", Port: 1},                 // no id
		{ID: "a/b", Name: name, Address: "h", Port: 1},      // id with a slash
		{ID: "a", Name: "", Address: "h", Port: 1},          // no name
		{ID: "a", Name: name, Port: 1},                      // no address
		{ID: "a", Name: name, Address: "h", Port: 70000},    // port
		{ID: "..", Name: name, Address: "h", Port: 1},       // relative segment
		{ID: "a\x00", Name: name, Address: "h", Port: 1},    // NUL
		{ID: "a", Name: name + "/x", Address: "h", Port: 1}, // nested name
		{ID: "zookeeper", Name: "", Address: "h", Port: 1},  // no name again
	}
	for _, in := range bad {
		if err := r.Register(ctx, in); !errors.Is(err, discovery.ErrInvalidInstance) {
			t.Errorf("Register(%+v) = %v, want ErrInvalidInstance", in, err)
		}
	}
	if ok, _, _ := c.Exists(ctx, "/services/"+name); ok {
		t.Fatal("a rejected registration wrote something")
	}
	if err := r.Register(ctx, inst(name, "a")); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(ctx, inst(name, "a")); !errors.Is(err, discovery.ErrAlreadyRegistered) {
		t.Fatalf("second Register: %v", err)
	}
	r2 := newRegistry(t, connect(t))
	if err := r2.Register(ctx, inst(name, "a")); !errors.Is(err, discovery.ErrConflict) {
		t.Fatalf("Register of a node held by another session: %v", err)
	}
	r.Close()
	if err := r.Register(ctx, inst(name, "b")); !errors.Is(err, discovery.ErrRegistryClosed) {
		t.Fatalf("Register after Close: %v", err)
	}
	if ok, _, _ := c.Exists(ctx, "/services/"+name+"/a"); ok {
		t.Fatal("Close left the node")
	}
}

// A registry on a client that does not renew sessions reports the expiry.
func TestRegistryReportsExpiryWithoutNewSession(t *testing.T) {
	ctx := ctxFor(t, 60*time.Second)
	name := testService(t)
	c := connect(t)
	r := newRegistry(t, c)
	if err := r.Register(ctx, inst(name, "a")); err != nil {
		t.Fatal(err)
	}
	if err := zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !errors.Is(r.Err(name, "a"), zk.ErrSessionExpired) {
		if time.Now().After(deadline) {
			t.Fatalf("Err = %v, want ErrSessionExpired", r.Err(name, "a"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRegistryLostWithinSessionTimeout: a registry cut off from the server
// (a black hole) says its instance is not known to be registered (Lost
// closes) no later than the session timeout after the client last heard
// from the server; when the partition heals it registers the instance
// again (in the new session here) and Lost is open again.
func TestRegistryLostWithinSessionTimeout(t *testing.T) {
	ctx := ctxFor(t, 2*time.Minute)
	name := testService(t)
	px := testenv.Proxy(t, srv.Addr())
	c := testenv.Connect(t, px.Addr(), zk.WithSessionTimeout(4*time.Second), zk.WithNewSessionOnExpiry())
	timeout := c.SessionTimeout()
	r := newRegistry(t, c)
	if err := r.Register(ctx, inst(name, "a")); err != nil {
		t.Fatal(err)
	}
	lost, err := r.Lost(name, "a")
	if err != nil {
		t.Fatal(err)
	}
	if isClosed(lost) {
		t.Fatal("Lost closed while registered")
	}
	if _, _, err := c.Exists(ctx, "/"); err != nil { // contact now
		t.Fatal(err)
	}
	contact := time.Now()
	px.SetBlackhole(true)
	const slack = 2 * time.Second
	select {
	case <-lost:
		t.Logf("Lost after %v (session timeout %v)", time.Since(contact).Round(10*time.Millisecond), timeout)
	case <-time.After(timeout + slack):
		px.SetBlackhole(false)
		t.Fatalf("Lost not closed %v after the last contact (session timeout %v)", timeout+slack, timeout)
	}
	px.SetBlackhole(false)
	d := newDiscoverer(t, connect(t), name)
	if _, err := d.WaitFor(ctx, count(1)); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, func() error {
		l, err := r.Lost(name, "a")
		if err != nil || isClosed(l) {
			return fmt.Errorf("still lost (%v)", err)
		}
		return nil
	})
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
