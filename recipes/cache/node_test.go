package cache_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/cache"
)

// waitNode waits until nc holds data (or, with absent, no node).
func waitNode(t *testing.T, nc *cache.NodeCache, data string, absent bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		ch := nc.Changed()
		n, ok := nc.Get()
		if absent && !ok || !absent && ok && string(n.Data) == data {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("node cache holds %q (exists %v), want %q (absent %v)", n.Data, ok, data, absent)
		}
	}
}

func TestNodeCacheSeesLifecycleAndSurvivesExpiry(t *testing.T) {
	ctx := ctxFor(t, 90*time.Second)
	c := connectTo(t, srv.Addr(), zk.WithNewSessionOnExpiry())
	writer := connectTo(t, srv.Addr())
	p := testPath(t)
	rec := newRecorder()
	nc, err := cache.NewNodeCache(c, p, cache.WithListener(rec.listen))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := nc.Get(); ok {
		t.Fatal("node cached before it exists")
	}
	if _, err := writer.Create(ctx, p, []byte("a"), zk.Persistent, open); err != nil {
		t.Fatal(err)
	}
	waitNode(t, nc, "a", false)
	if _, err := writer.Set(ctx, p, []byte("b"), -1); err != nil {
		t.Fatal(err)
	}
	waitNode(t, nc, "b", false)
	if err := writer.Delete(ctx, p, -1); err != nil {
		t.Fatal(err)
	}
	waitNode(t, nc, "", true)
	if _, err := writer.Create(ctx, p, []byte("c"), zk.Persistent, open); err != nil {
		t.Fatal(err)
	}
	waitNode(t, nc, "c", false)
	want := []cache.EventType{cache.Initialized, cache.NodeAdded, cache.NodeUpdated, cache.NodeRemoved, cache.NodeAdded}
	var got []cache.EventType
	rec.mu.Lock()
	for _, ev := range rec.events {
		got = append(got, ev.Type)
	}
	rec.mu.Unlock()
	if !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}

	// Expire the cache's session; changed while it is gone and after.
	expire(t, c)
	if _, err := writer.Set(ctx, p, []byte("d"), -1); err != nil {
		t.Fatal(err)
	}
	waitNode(t, nc, "d", false)
	if err := writer.Delete(ctx, p, -1); err != nil {
		t.Fatal(err)
	}
	waitNode(t, nc, "", true)
	if nc.Err() != nil {
		t.Fatalf("cache stopped: %v", nc.Err())
	}
}

func TestNodeCacheStopsWhenClientCloses(t *testing.T) {
	ctx := ctxFor(t, 30*time.Second)
	c := connectTo(t, srv.Addr())
	nc, err := cache.NewNodeCache(c, testPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	c.Close()
	select {
	case <-nc.Done():
	case <-ctx.Done():
		t.Fatal("node cache still running after the client closed")
	}
	if !errors.Is(nc.Err(), zk.ErrClosed) {
		t.Fatalf("Err() = %v, want ErrClosed", nc.Err())
	}
}

func TestNewNodeCacheRejectsBadInput(t *testing.T) {
	c := connectTo(t, srv.Addr())
	if _, err := cache.NewNodeCache(c, "no-slash"); !errors.Is(err, zk.ErrInvalidPath) {
		t.Fatalf("err %v, want ErrInvalidPath", err)
	}
	nc, err := cache.NewNodeCache(c, "/x")
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	if err := nc.Start(ctxFor(t, time.Second)); err == nil {
		t.Fatal("Start after Close succeeded")
	}
}
