package lock_test

import (
	"context"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/recipes/internal/sessiontest"
	"github.com/zkwire/zk/recipes/lock"
)

// TestMutexLostOnStateLost: a holder is told (Lost closes) when its client
// reports StateLost, without waiting for a reconnection; if the session
// turns out alive, Unlock removes the node and Lock queues up afresh.
func TestMutexLostOnStateLost(t *testing.T) {
	ctx := ctxFor(t, time.Minute)
	path := testPath(t)
	c := sessiontest.New(connect(t))
	m := lock.NewMutex(c, path)
	if err := m.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	c.Set(true)
	if !closedWithin(m.Lost(), 10*time.Second) {
		t.Fatal("Lost not closed after StateLost")
	}
	c.Set(false)
	if err := m.Unlock(ctx); err != nil {
		t.Fatalf("Unlock after StateLost with the session alive: %v", err)
	}
	if left := children(t, c.Client, path); len(left) != 0 {
		t.Fatalf("nodes left after Unlock: %v", left)
	}
	if err := m.Lock(ctx); err != nil {
		t.Fatalf("Lock again: %v", err)
	}
	if isClosed(m.Lost()) {
		t.Fatal("Lost closed on a fresh holding")
	}
	if err := m.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSemaphoreLeaseLostOnStateLost: the same for a Semaphore's lease.
func TestSemaphoreLeaseLostOnStateLost(t *testing.T) {
	ctx := ctxFor(t, time.Minute)
	c := sessiontest.New(connect(t))
	s := lock.NewSemaphore(c, testPath(t), 2)
	l, err := s.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Set(true)
	if !closedWithin(l.Lost(), 10*time.Second) {
		t.Fatal("Lease.Lost not closed after StateLost")
	}
	c.Set(false)
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestMutexLostWithinSessionTimeout: a holder cut off from the server (a
// black hole: its connection stays open, nothing passes) learns that it
// lost the lock no later than the session timeout after it last heard from
// the server, and before another client, whose server expired the
// holder's session, takes the lock.
func TestMutexLostWithinSessionTimeout(t *testing.T) {
	ctx := ctxFor(t, 2*time.Minute)
	path := testPath(t)
	px := testenv.Proxy(t, srv.Addr())
	holder := connectTo(t, px.Addr(), zk.WithSessionTimeout(4*time.Second))
	timeout := holder.SessionTimeout()
	m := lock.NewMutex(holder, path)
	if err := m.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	// A successful call is contact with the server: the deadline is at
	// most one session timeout from here.
	if _, _, err := holder.Exists(ctx, path); err != nil {
		t.Fatal(err)
	}
	contact := time.Now()
	px.SetBlackhole(true)
	t.Cleanup(func() { px.SetBlackhole(false) })

	other := lock.NewMutex(connect(t), path)
	took := make(chan time.Time, 1)
	go func() {
		if err := other.Lock(ctx); err == nil {
			took <- time.Now()
			other.Unlock(context.Background())
		}
		close(took)
	}()

	const slack = 2 * time.Second
	select {
	case <-m.Lost():
		t.Logf("Lost after %v (session timeout %v)", time.Since(contact).Round(10*time.Millisecond), timeout)
	case <-time.After(timeout + slack):
		t.Fatalf("Lost not closed %v after the last contact (session timeout %v)", timeout+slack, timeout)
	}
	lostAt := time.Now()
	select {
	case at, ok := <-took:
		if !ok {
			t.Fatal("the other client never took the lock")
		}
		if at.Before(lostAt.Add(-100 * time.Millisecond)) {
			t.Errorf("the other client took the lock %v before the holder was told", lostAt.Sub(at))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the other client did not take the lock within 30 s")
	}
}

// TestMutexLostWhenCutBeforeMonitorReads: the holder is cut off before its
// monitor has read a single session event, so the first it reads is the
// subscription's first, Connected (the state when Lock began). That stale
// Connected is no reconnect: Lost still closes within the session timeout
// (plus slack) of the last contact.
func TestMutexLostWhenCutBeforeMonitorReads(t *testing.T) {
	ctx := ctxFor(t, 2*time.Minute)
	path := testPath(t)
	px := testenv.Proxy(t, srv.Addr())
	holder := connectTo(t, px.Addr(), zk.WithSessionTimeout(4*time.Second))
	timeout := holder.SessionTimeout()
	m := lock.NewMutex(holder, path)
	// Slow replies: the monitor's first ExistsW is still unanswered when
	// the black hole opens, so it fails with connection loss.
	px.SetLatency(300 * time.Millisecond)
	if err := m.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	px.SetBlackhole(true)
	contact := time.Now() // Lock's last reply came before this
	t.Cleanup(func() { px.SetBlackhole(false) })
	const slack = 2 * time.Second
	select {
	case <-m.Lost():
		t.Logf("Lost after %v (session timeout %v)", time.Since(contact).Round(10*time.Millisecond), timeout)
	case <-time.After(timeout + slack):
		t.Fatalf("Lost not closed %v after the last contact (session timeout %v)", timeout+slack, timeout)
	}
}
