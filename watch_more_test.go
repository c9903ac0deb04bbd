package zk_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

func TestRemoveAndCheckWatchesRaw(t *testing.T) {
	c := connect(t)
	ctx := ctxFor(t, 20*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, nil)
	_, _, w, err := c.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckWatches(ctx, p, zk.KindData); err != nil {
		t.Fatalf("CheckWatches with a data watch: %v", err)
	}
	if err := c.CheckWatches(ctx, p, zk.KindChild); !errors.Is(err, zk.ErrNoWatcher) {
		t.Fatalf("CheckWatches without a child watch: %v", err)
	}
	if err := c.RemoveWatches(ctx, p, zk.KindData, false); err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, w, 5*time.Second)
	if ev.Type != zk.EventDataWatchRemoved || !errors.Is(ev.Err, zk.ErrWatchRemoved) {
		t.Fatalf("removed watch got %v", ev)
	}
	if got := serverWatches(t, c.SessionID()); len(got) != 0 {
		t.Fatalf("server still watches %v", got)
	}
	if err := c.RemoveWatches(ctx, p, zk.KindData, false); !errors.Is(err, zk.ErrNoWatcher) {
		t.Fatalf("second removal: %v", err)
	}
}

func TestWatchChildrenFollowsChanges(t *testing.T) {
	c := connect(t)
	writer := connect(t)
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	updates, err := zk.WatchChildren(ctx, c, p)
	if err != nil {
		t.Fatal(err)
	}
	if u := <-updates; u.Stat != nil {
		t.Fatalf("missing node: %+v", u)
	}
	mustCreate(t, writer, p, nil)
	want := []string{}
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("c%02d", i)
		mustCreate(t, writer, p+"/"+name, nil)
		want = append(want, name)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case u := <-updates:
			if u.Err != nil {
				t.Fatal(u.Err)
			}
			if slices.Equal(u.Children, want) {
				return
			}
		case <-deadline:
			t.Fatal("never saw all 20 children")
		}
	}
}

// A child watch on a path that has a recursive watch is served from the
// recursive one (on 3.8 its own registration would break it): it still
// fires when a child is added, and the recursive watch keeps working.
func TestChildWatchOnRecursivePath(t *testing.T) {
	c := connect(t)
	writer := connect(t)
	ctx := ctxFor(t, 20*time.Second)
	p := testPath(t)
	mustCreate(t, writer, p, nil)
	rw, err := c.AddWatch(ctx, p, zk.KindPersistentRecursive)
	if err != nil {
		t.Fatal(err)
	}
	_, _, cw, err := c.ChildrenW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := c.AddWatch(ctx, p, zk.KindPersistent)
	if err != nil {
		t.Fatal(err)
	}
	local := 0
	for _, r := range c.Watches() {
		if r.Local {
			local++
		}
	}
	if local != 2 {
		t.Fatalf("want the child and persistent watches served locally: %+v", c.Watches())
	}
	mustCreate(t, writer, p+"/a", nil)
	if ev := nextEvent(t, cw, 5*time.Second); ev.Type != zk.EventNodeChildrenChanged || ev.Path != p {
		t.Fatalf("child watch: %v", ev)
	}
	if ev := nextEvent(t, pw, 5*time.Second); ev.Type != zk.EventNodeChildrenChanged || ev.Path != p {
		t.Fatalf("persistent watch: %v", ev)
	}
	for i := 0; i < 3; i++ {
		if _, err := writer.Set(ctx, p+"/a", []byte{byte(i)}, -1); err != nil {
			t.Fatal(err)
		}
	}
	if ev := nextEvent(t, rw, 5*time.Second); ev.Type != zk.EventNodeCreated || ev.Path != p+"/a" {
		t.Fatalf("recursive: %v", ev)
	}
	for i := 0; i < 3; i++ {
		if ev := nextEvent(t, rw, 5*time.Second); ev.Type != zk.EventNodeDataChanged {
			t.Fatalf("recursive: %v", ev)
		}
	}
	noEvent(t, pw, 200*time.Millisecond) // grandchild-level data changes are not its business
}
