package conn

// Notifications and watch restoration against a real server.

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk/proto"
)

// opCounter wraps every connection a Conn dials and counts, per
// connection, the frames written by opcode, and the largest frame.
type opCounter struct {
	mu    sync.Mutex
	conns []*countingConn
}

type countingConn struct {
	net.Conn
	c        *opCounter
	writes   int
	ops      map[proto.Op]int
	maxFrame int
}

func (o *opCounter) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cc := &countingConn{Conn: nc, c: o, ops: map[proto.Op]int{}}
	o.mu.Lock()
	o.conns = append(o.conns, cc)
	o.mu.Unlock()
	return cc, nil
}

// Write sees whole frames: the writer never splits one across writes.
func (cc *countingConn) Write(p []byte) (int, error) {
	cc.c.mu.Lock()
	cc.writes++
	if cc.writes > 1 { // the first write is the ConnectRequest, with no header
		for b := p; len(b) >= 12; {
			n := int(binary.BigEndian.Uint32(b))
			cc.ops[proto.Op(int32(binary.BigEndian.Uint32(b[8:])))]++
			cc.maxFrame = max(cc.maxFrame, n)
			if 4+n > len(b) {
				break
			}
			b = b[4+n:]
		}
	}
	cc.c.mu.Unlock()
	return cc.Conn.Write(p)
}

func (o *opCounter) conn(i int) (ops map[proto.Op]int, maxFrame int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return maps.Clone(o.conns[i].ops), o.conns[i].maxFrame
}

// 20,000 long paths (2.2 MB, twice the server's frame limit) are restored
// after a reconnect in many SetWatches packets under 128 KiB of paths
// each; the server takes every one (exist watches on missing nodes
// register without any node existing) and keeps the connection.
func TestRestoreManyWatches(t *testing.T) {
	p := startProxy(t, srv.Addr())
	ops := &opCounter{}
	rec := newRecorder()
	base := uniquePath(t)
	paths := make([]string, 20000)
	for i := range paths {
		paths[i] = fmt.Sprintf("%s/%05d-%s", base, i, strings.Repeat("x", 100))
	}
	rec.setWatches(WatchSet{Exist: paths})
	c := dial(t, Config{Servers: []string{p.Addr()}, Events: rec, Watches: rec, Dialer: ops.dial})
	ctx := testCtx(t, 60*time.Second)
	p.Cut()
	rec.waitUntil(t, 20*time.Second, "the reconnect", func() bool { return rec.count(proto.StateSyncConnected) == 2 })
	// A call queued behind the restoration completes after it.
	if _, err := getData(ctx, c, "/", false); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the server to hold 20,000 watches for the session", func() error {
		m, err := srv.WatchesBySession(ctx)
		if err != nil {
			return err
		}
		if n := len(m[c.SessionID()]); n != len(paths) {
			return fmt.Errorf("%d watches", n)
		}
		return nil
	})
	sent, maxFrame := ops.conn(1)
	want := len(c.watchBatches(nil, WatchSet{Exist: paths}, 0))
	if sent[proto.OpSetWatches] != want || want < 16 || sent[proto.OpSetWatches2] != 0 {
		t.Fatalf("sent %d setWatches and %d setWatches2 packets, want %d setWatches", sent[proto.OpSetWatches], sent[proto.OpSetWatches2], want)
	}
	if maxFrame > setWatchesPathBytes+4*1300+64 {
		t.Fatalf("largest frame %d bytes", maxFrame)
	}
	wantStates(t, rec, connectedNew, disconnected, reconnected)
}

// Notification paths are relative to the chroot (the chroot itself is
// "/"), and watches restored after a reconnect catch up: a change made
// while the client was away fires once it is back, after its Connected.
func TestChrootNotificationsAndCatchUp(t *testing.T) {
	p := startProxy(t, srv.Addr())
	admin := dial(t, Config{Servers: []string{srv.Addr()}})
	ctx := testCtx(t, 30*time.Second)
	root := uniquePath(t)
	for _, n := range []string{root, root + "/a", root + "/b"} {
		if err := create(ctx, admin, n, []byte("1"), nil); err != nil {
			t.Fatal(err)
		}
	}
	rec := newRecorder()
	c := dial(t, Config{Servers: []string{p.Addr()}, Chroot: root, Events: rec, Watches: rec})
	ch := c.Chroot()
	// Raw requests carry server paths: prefixing is the caller's job.
	for _, n := range []string{"/a", "/", "/b"} {
		if _, err := getData(ctx, c, ch.Prefix(n), true); err != nil {
			t.Fatal(err)
		}
	}
	if err := exists(ctx, c, ch.Prefix("/c"), true); err == nil {
		t.Fatal("/c exists")
	}
	hasEvent := func(typ proto.EventType, path string) func() bool {
		return func() bool {
			return slices.Contains(rec.eventList(), proto.WatcherEvent{Type: typ, State: proto.StateSyncConnected, Path: path})
		}
	}
	if err := setData(ctx, admin, root+"/a", []byte("2")); err != nil {
		t.Fatal(err)
	}
	rec.waitUntil(t, 10*time.Second, "NodeDataChanged /a", hasEvent(proto.EventNodeDataChanged, "/a"))
	if err := setData(ctx, admin, root, []byte("2")); err != nil {
		t.Fatal(err)
	}
	rec.waitUntil(t, 10*time.Second, "NodeDataChanged /", hasEvent(proto.EventNodeDataChanged, "/"))

	// What a watch manager would list: the watches still armed.
	rec.setWatches(WatchSet{Data: []string{"/b"}, Exist: []string{"/c"}})
	p.SetRefuse(true)
	p.Cut()
	rec.waitUntil(t, 10*time.Second, "Disconnected", func() bool { return rec.count(proto.StateDisconnected) == 1 })
	if err := setData(ctx, admin, root+"/b", []byte("2")); err != nil {
		t.Fatal(err)
	}
	if err := create(ctx, admin, root+"/c", nil, nil); err != nil {
		t.Fatal(err)
	}
	p.SetRefuse(false)
	rec.waitUntil(t, 20*time.Second, "the catch-up events", func() bool {
		return hasEvent(proto.EventNodeDataChanged, "/b")() && hasEvent(proto.EventNodeCreated, "/c")()
	})
	log := rec.log()
	want := []string{"Connected(new)", "NodeDataChanged /a", "NodeDataChanged /", "Disconnected", "Connected", "NodeDataChanged /b", "NodeCreated /c"}
	if !slices.Equal(log, want) {
		t.Fatalf("sink saw %q\nwant %q", log, want)
	}
}
