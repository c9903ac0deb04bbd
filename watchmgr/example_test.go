package watchmgr_test

import (
	"fmt"

	"github.com/zkwire/zk/proto"
	"github.com/zkwire/zk/watchmgr"
)

// A Manager needs no server: here the "connection" is simulated by
// printing what it would send and feeding notifications in by hand, the
// way a client's receive loop does.
func Example() {
	m := watchmgr.New(watchmgr.Config{
		// Remove only enqueues a removeWatches request; here it prints it.
		Remove: func(path string, t proto.WatcherType) {
			fmt.Printf("send removeWatches %s type=%d\n", path, t)
		},
	})
	m.StateChange(proto.StateSyncConnected, true)

	// Two getData watches on one path share one registration (the server
	// keeps one watch per path and kind however often it is asked). Each
	// commits once its reply is in.
	send := func(serverWatch bool) error {
		fmt.Printf("send getData /cfg watch=%v\n", serverWatch)
		return nil
	}
	w1, w2 := new(watchmgr.Watcher), new(watchmgr.Watcher)
	_ = m.Begin(w1, "/cfg", watchmgr.KindData, nil, send)
	w1.Commit(true, true) // the reply: success, node exists
	_ = m.Begin(w2, "/cfg", watchmgr.KindData, nil, send)
	w2.Commit(true, true)
	for _, r := range m.Watches() {
		fmt.Printf("registered: %s %v watchers=%d server=%v\n", r.Path, r.Kind, r.Watchers, r.Server)
	}

	// One notification fires both one-shot watchers; each channel then closes.
	m.Notification(proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/cfg"})
	for _, w := range []*watchmgr.Watcher{w1, w2} {
		ev := <-w.Events()
		_, open := <-w.Events()
		fmt.Printf("%v; open=%v\n", ev, open)
	}
	fmt.Println("registrations left:", len(m.Watches()))

	// A recursive watch sees the whole subtree and stays armed.
	rw := new(watchmgr.Watcher)
	_ = m.Begin(rw, "/svc", watchmgr.KindPersistentRecursive, nil, func(serverWatch bool) error {
		fmt.Printf("send addWatch /svc recursive=%v\n", serverWatch)
		return nil
	})
	rw.Commit(true, false)
	m.Notification(proto.WatcherEvent{Type: proto.EventNodeCreated, State: proto.StateSyncConnected, Path: "/svc/a"})
	m.Notification(proto.WatcherEvent{Type: proto.EventNodeDeleted, State: proto.StateSyncConnected, Path: "/svc/a"})
	fmt.Println(<-rw.Events())
	fmt.Println(<-rw.Events())

	// A reconnect to the same session: persistent watchers are told to
	// re-read (the server replays nothing for them), and Restore says
	// what to register again.
	m.StateChange(proto.StateDisconnected, false)
	m.StateChange(proto.StateSyncConnected, false)
	fmt.Println(<-rw.Events())
	fmt.Println(<-rw.Events())
	fmt.Printf("restore: %+v\n", m.Restore())

	// Stopping the last watcher of a registration removes the server
	// watch too.
	rw.Stop()
	_, open := <-rw.Events()
	fmt.Println("after Stop: open =", open, "registrations:", len(m.Watches()))
	// Output:
	// send getData /cfg watch=true
	// send getData /cfg watch=true
	// registered: /cfg data watchers=2 server=true
	// NodeDataChanged "/cfg" state=Connected; open=false
	// NodeDataChanged "/cfg" state=Connected; open=false
	// registrations left: 0
	// send addWatch /svc recursive=true
	// NodeCreated "/svc/a" state=Connected
	// NodeDeleted "/svc/a" state=Connected
	// None "/svc" state=Disconnected
	// None "/svc" state=Connected resync
	// restore: {Data:[] Exist:[] Child:[] Persistent:[] Recursive:[/svc]}
	// send removeWatches /svc type=3
	// after Stop: open = false registrations: 0
}

// A consumer that falls behind is told so, instead of losing events
// silently; session expiry ends every watch with a final event too.
func ExampleManager_EndAll() {
	m := watchmgr.New(watchmgr.Config{Buffer: 2})
	m.StateChange(proto.StateSyncConnected, true)
	noop := func(bool) error { return nil }

	slow, once := new(watchmgr.Watcher), new(watchmgr.Watcher)
	_ = m.Begin(slow, "/jobs", watchmgr.KindPersistentRecursive, nil, noop)
	slow.Commit(true, true)
	_ = m.Begin(once, "/lock", watchmgr.KindExist, nil, noop)
	once.Commit(true, false)

	for _, p := range []string{"/jobs/1", "/jobs/2", "/jobs/3"} {
		m.Notification(proto.WatcherEvent{Type: proto.EventNodeCreated, State: proto.StateSyncConnected, Path: p})
	}
	m.EndAll(proto.StateExpired, proto.ErrSessionExpired)

	for ev := range slow.Events() {
		fmt.Println("slow:", ev)
	}
	for ev := range once.Events() {
		fmt.Println("once:", ev)
	}
	fmt.Println("overflows:", m.Stats().Overflows)
	// Output:
	// slow: NodeCreated "/jobs/1" state=Connected
	// slow: None "/jobs" state=Connected err=zk: watch ended: consumer fell behind (event buffer overflow)
	// once: None "/lock" state=Expired err=zk: session expired
	// overflows: 1
}
