package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestWatchFlagOneShot: a one-shot get/ls/stat -w prints the read, then
// waits for the watch's event, prints it zkCli style and exits 0.
func TestWatchFlagOneShot(t *testing.T) {
	c := client(t)
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, "v0")
	for _, tc := range []struct {
		args  []string
		first string // the read's output
		fire  func()
		event string
	}{
		{[]string{"get", "-w", p}, "v0", func() { c.Set(ctx, p, []byte("v1"), -1) }, "NodeDataChanged " + p},
		{[]string{"ls", "-w", p}, "", func() { mustCreate(t, c, p+"/kid", "") }, "NodeChildrenChanged " + p},
		{[]string{"stat", "-w", p}, "cZxid = ", func() { c.Set(ctx, p, []byte("v2"), -1) }, "NodeDataChanged " + p},
	} {
		l := start(t, tc.args...)
		if tc.first != "" {
			if line := next(t, l.out, "stdout"); !strings.HasPrefix(line, tc.first) {
				t.Fatalf("%v: first line %q", tc.args, line)
			}
		}
		if line := next(t, l.errs, "stderr"); line != "waiting for the watch on "+p+" to fire; Ctrl-C to stop" {
			t.Fatalf("%v: stderr %q", tc.args, line)
		}
		tc.fire()
		typ, path, _ := strings.Cut(tc.event, " ")
		want := "WatchedEvent state:SyncConnected type:" + typ + " path:" + path
		for {
			line := next(t, l.out, "stdout")
			if line == want {
				break
			}
			if strings.HasPrefix(line, "WatchedEvent") {
				t.Fatalf("%v: event %q, want %q", tc.args, line, want)
			}
		}
		l.wantExit(t, 0)
	}
	// stat -w on a missing node: the error, at once.
	fails(t, 1, "Node does not exist: "+p+"/none", "stat", "-w", p+"/none")
	fails(t, 2, "-w and -R cannot be combined", "ls", "-w", "-R", p)
}

// TestWatchFlagShell: in the shell, -w and addWatch print their events as
// they fire while the shell goes on; removewatches ends a watch.
func TestWatchFlagShell(t *testing.T) {
	c := client(t)
	ctx := ctxFor(t, 60*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, "v0")
	l := start(t)
	say := func(line string) { io.WriteString(l.stdin, line+"\n") }
	// A barrier: once "sync" answers, every earlier command has run.
	barrier := func() {
		t.Helper()
		say("sync /")
		for {
			if line := next(t, l.out, "stdout"); line == "Sync is OK" {
				return
			} else if strings.HasPrefix(line, "WatchedEvent") {
				t.Fatalf("unexpected event %q", line)
			}
		}
	}
	say("get -w " + p)
	l.expect(t, "v0")
	barrier()
	if _, err := c.Set(ctx, p, []byte("v1"), -1); err != nil {
		t.Fatal(err)
	}
	l.expect(t, "WatchedEvent state:SyncConnected type:NodeDataChanged path:"+p)
	// One-shot: a second change prints nothing.
	if _, err := c.Set(ctx, p, []byte("v2"), -1); err != nil {
		t.Fatal(err)
	}
	barrier()

	// addWatch: persistent, until removewatches.
	say("addWatch -m PERSISTENT " + p)
	barrier()
	if !serverWatches(t, p) {
		t.Errorf("after addWatch the server has no watch on %s", p)
	}
	mustCreate(t, c, p+"/a", "")
	l.expect(t, "WatchedEvent state:SyncConnected type:NodeChildrenChanged path:"+p)
	if _, err := c.Set(ctx, p, []byte("v3"), -1); err != nil {
		t.Fatal(err)
	}
	l.expect(t, "WatchedEvent state:SyncConnected type:NodeDataChanged path:"+p)
	say("removewatches " + p)
	l.expect(t, "WatchedEvent state:SyncConnected type:PersistentWatchRemoved path:"+p)
	if _, err := c.Set(ctx, p, []byte("v4"), -1); err != nil {
		t.Fatal(err)
	}
	barrier() // no event for v4
	if serverWatches(t, p) {
		t.Errorf("after removewatches the server still has a watch on %s", p)
	}
	say("removewatches " + p + " -d")
	if line := next(t, l.errs, "stderr"); line != "No such watcher for "+p {
		t.Errorf("stderr %q", line)
	}
	// Recursive (the default mode).
	say("addWatch " + p)
	barrier()
	mustCreate(t, c, p+"/a/deep", "")
	l.expect(t, "WatchedEvent state:SyncConnected type:NodeCreated path:"+p+"/a/deep")
	l.stdin.Close()
	l.wantExit(t, 1) // the failed removewatches
}

// TestAddWatchOneShot: a one-shot addWatch streams events until Ctrl-C.
func TestAddWatchOneShot(t *testing.T) {
	c := client(t)
	p := testPath(t)
	mustCreate(t, c, p, "")
	l := start(t, "addWatch", p)
	if line := next(t, l.errs, "stderr"); line != "watching "+p+" (PERSISTENT_RECURSIVE); Ctrl-C to stop" {
		t.Fatalf("stderr %q", line)
	}
	mustCreate(t, c, p+"/x", "")
	l.expect(t, "WatchedEvent state:SyncConnected type:NodeCreated path:"+p+"/x")
	if err := c.Delete(ctxFor(t, 10*time.Second), p+"/x", -1); err != nil {
		t.Fatal(err)
	}
	l.expect(t, "WatchedEvent state:SyncConnected type:NodeDeleted path:"+p+"/x")
	l.interrupt(t)
	fails(t, 2, `-m "BOGUS"`, "addWatch", "-m", "BOGUS", p)
	fails(t, 2, "-c, -d and -a exclude each other", "removewatches", p, "-c", "-d")
}

// serverWatches reports whether any session has a watch on p, as the
// server says (wchc).
func serverWatches(t *testing.T, p string) bool {
	t.Helper()
	bySession, err := srv.WatchesBySession(ctxFor(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, paths := range bySession {
		for _, w := range paths {
			if w == p {
				return true
			}
		}
	}
	return false
}
