package zk_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// The examples run against the server that TestMain starts (srv); in a
// program the address list names your ensemble, e.g.
// []string{"zk1:2181", "zk2:2181", "zk3:2181"}.

// Connect, create a node, read it, and update it only if nobody changed it
// since it was read.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()}, zk.WithSessionTimeout(10*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	p, err := c.Create(ctx, "/example", []byte("v1"), zk.Persistent, zk.WorldACL(zk.PermAll))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Delete(ctx, p, -1)

	data, stat, err := c.Get(ctx, p)
	fmt.Printf("get: %q version=%d err=%v\n", data, stat.Version, err)

	// Conditional write: succeeds because the version still matches.
	stat2, err := c.Set(ctx, p, []byte("v2"), stat.Version)
	fmt.Printf("set: version=%d err=%v\n", stat2.Version, err)

	// The same condition again is stale now.
	_, err = c.Set(ctx, p, []byte("v3"), stat.Version)
	fmt.Println(err)
	fmt.Println(errors.Is(err, zk.ErrBadVersion))

	_, _, err = c.Get(ctx, "/example/missing")
	fmt.Println(errors.Is(err, zk.ErrNoNode))
	// Output:
	// get: "v1" version=0 err=<nil>
	// set: version=1 err=<nil>
	// zk: set /example: bad version
	// true
	// true
}

// A one-shot watch delivers exactly one event, then its channel closes.
func ExampleClient_GetW() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	const p = "/example-getw"
	if _, err := c.Create(ctx, p, []byte("a"), zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
		fmt.Println(err)
		return
	}
	defer c.Delete(ctx, p, -1)

	data, _, w, err := c.GetW(ctx, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Stop() // harmless after the watch fired; frees it if it did not
	fmt.Printf("read %q, watching\n", data)

	if _, err := c.Set(ctx, p, []byte("b"), -1); err != nil {
		fmt.Println(err)
		return
	}
	select {
	case ev := <-w.Events():
		fmt.Println("event:", ev.Type, ev.Path)
	case <-ctx.Done():
		fmt.Println("no event")
		return
	}
	_, open := <-w.Events()
	fmt.Println("channel open:", open)
	// Output:
	// read "a", watching
	// event: NodeDataChanged /example-getw
	// channel open: false
}

// A persistent recursive watch sees the node and its whole subtree, and
// stays set until Stop.
func ExampleClient_AddWatch() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	const root = "/example-addwatch"

	w, err := c.AddWatch(ctx, root, zk.KindPersistentRecursive)
	if err != nil {
		fmt.Println(err)
		return
	}
	acl := zk.WorldACL(zk.PermAll)
	c.Create(ctx, root, nil, zk.Persistent, acl)
	c.Create(ctx, root+"/job-1", []byte("new"), zk.Persistent, acl)
	c.Set(ctx, root+"/job-1", []byte("done"), -1)
	c.Delete(ctx, root+"/job-1", -1)
	c.Delete(ctx, root, -1)

	for range 5 {
		select {
		case ev := <-w.Events():
			fmt.Println(ev.Type, ev.Path)
		case <-ctx.Done():
			fmt.Println("timed out")
			return
		}
	}
	w.Stop()
	_, open := <-w.Events()
	fmt.Println("after Stop, open:", open)
	// Output:
	// NodeCreated /example-addwatch
	// NodeCreated /example-addwatch/job-1
	// NodeDataChanged /example-addwatch/job-1
	// NodeDeleted /example-addwatch/job-1
	// NodeDeleted /example-addwatch
	// after Stop, open: false
}

// A callback watch: the event goes to a function, with no channel and no
// goroutine per watch. Callbacks run one at a time, in order, on a
// goroutine of the client, so one holding many watches pays for neither.
func ExampleOnEvent() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	const p = "/example-onevent"
	c.Create(ctx, p, nil, zk.Persistent, zk.WorldACL(zk.PermAll))
	defer c.Delete(context.Background(), p, -1)

	fired := make(chan zk.Event, 1)
	_, _, w, err := c.GetW(ctx, p, zk.OnEvent(func(ev zk.Event) { fired <- ev }))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("no channel:", w.Events() == nil)
	c.Set(ctx, p, []byte("v2"), -1)
	select {
	case ev := <-fired:
		fmt.Println(ev.Type, ev.Path)
	case <-ctx.Done():
		fmt.Println("timed out")
	}
	// Output:
	// no channel: true
	// NodeDataChanged /example-onevent
}

// WatchData follows a node's state across changes, deletion included,
// until its context ends.
func ExampleWatchData() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	const p = "/example-watchdata"
	c.Create(ctx, p, []byte("v1"), zk.Persistent, zk.WorldACL(zk.PermAll))

	wctx, stop := context.WithCancel(ctx)
	defer stop()
	updates, err := zk.WatchData(wctx, c, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Each change is made after the previous state was seen: a slow
	// reader gets the latest state, not every intermediate one.
	next := func() {
		u := <-updates
		if u.Stat == nil {
			fmt.Println("deleted")
			return
		}
		fmt.Printf("%s (version %d)\n", u.Data, u.Stat.Version)
	}
	next()
	c.Set(ctx, p, []byte("v2"), -1)
	next()
	c.Delete(ctx, p, -1)
	next()

	stop()
	for range updates { // closes once the watcher has ended
	}
	// Output:
	// v1 (version 0)
	// v2 (version 1)
	// deleted
}

// Multi applies operations atomically: all or none. A failing operation
// is named by a *MultiError.
func ExampleClient_Multi() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	acl := zk.WorldACL(zk.PermAll)

	res, err := c.Multi(ctx,
		zk.CreateOp("/example-multi", []byte("cfg"), zk.Persistent, acl),
		zk.CreateOp("/example-multi/a", nil, zk.Persistent, acl),
		zk.SetOp("/example-multi", []byte("cfg v2"), 0),
	)
	fmt.Println(err, res[0].Path, res[1].Path, res[2].Stat.Version)

	// The check fails, so the delete before it is not applied either.
	_, err = c.Multi(ctx,
		zk.DeleteOp("/example-multi/a", -1),
		zk.CheckOp("/example-multi", 0),
	)
	var merr *zk.MultiError
	if errors.As(err, &merr) {
		fmt.Println("failed op:", merr.Index, merr.Op, merr.Path, errors.Is(err, zk.ErrBadVersion))
	}
	ok, _, _ := c.Exists(ctx, "/example-multi/a")
	fmt.Println("child still there:", ok)

	_, err = c.Multi(ctx, zk.DeleteOp("/example-multi/a", -1), zk.DeleteOp("/example-multi", -1))
	fmt.Println("cleanup:", err)
	// Output:
	// <nil> /example-multi /example-multi/a 1
	// failed op: 1 check /example-multi true
	// child still there: true
	// cleanup: <nil>
}

// SessionEvents reports the session's state, then every change in order,
// here across a dropped connection (through a fault proxy) and Close.
func ExampleClient_SessionEvents() {
	p, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{p.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	events := c.SessionEvents(ctx)
	id := c.SessionID()
	fmt.Println("now:", (<-events).State) // the first event is the state now
	p.Cut()                               // the connection drops; the session does not
	for ev := range events {
		fmt.Println(ev.State, "same session:", ev.SessionID == id, "new:", ev.NewSession)
		if ev.State == zk.StateConnected {
			c.Close()
		}
	}
	// Output:
	// now: Connected
	// Disconnected same session: true new: false
	// Connected same session: true new: false
	// Closed same session: true new: false
}

// Done is closed when the client can no longer do anything; State then
// says why (here Close; an expiry without WithNewSessionOnExpiry would
// say StateExpired).
func ExampleClient_Done() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close() // returns once the Close below has finished
	go c.Close()    // elsewhere, for instance on shutdown
	select {
	case <-c.Done():
		fmt.Println("client finished:", c.State())
	case <-ctx.Done():
		fmt.Println(ctx.Err())
	}
	// Output: client finished: Closed
}
