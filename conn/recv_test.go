package conn

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk/proto"
)

// zxidProxy relays between a client and a real server and, when armed,
// rewrites the zxid of the next normal reply (xid > 0) to 2^62: a server
// bug or a corrupted frame that the client must survive.
type zxidProxy struct {
	l      net.Listener
	target string
	armed  atomic.Bool
	mu     sync.Mutex
	dials  int
	conns  []net.Conn
}

func startZxidProxy(t *testing.T, target string) *zxidProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &zxidProxy{l: l, target: target}
	go p.accept()
	t.Cleanup(func() { l.Close(); p.cut() })
	return p
}

func (p *zxidProxy) addr() string { return p.l.Addr().String() }

func (p *zxidProxy) dialCount() int { p.mu.Lock(); defer p.mu.Unlock(); return p.dials }

// cut closes every relayed connection.
func (p *zxidProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *zxidProxy) accept() {
	for {
		cli, err := p.l.Accept()
		if err != nil {
			return
		}
		srvc, err := net.Dial("tcp", p.target)
		if err != nil {
			cli.Close()
			continue
		}
		p.mu.Lock()
		p.dials++
		p.conns = append(p.conns, cli, srvc)
		p.mu.Unlock()
		go func() { io.Copy(srvc, cli); srvc.Close() }()
		go func() { p.relayReplies(cli, srvc); cli.Close() }()
	}
}

// relayReplies copies frames from the server to the client; the first is
// the ConnectResponse, the rest start with a reply header (xid, zxid, err).
func (p *zxidProxy) relayReplies(dst, src net.Conn) {
	for first := true; ; first = false {
		var n [4]byte
		if _, err := io.ReadFull(src, n[:]); err != nil {
			return
		}
		frame := make([]byte, 4+binary.BigEndian.Uint32(n[:]))
		copy(frame, n[:])
		if _, err := io.ReadFull(src, frame[4:]); err != nil {
			return
		}
		if !first && len(frame) >= 4+proto.ReplyHeaderSize && int32(binary.BigEndian.Uint32(frame[4:])) > 0 && p.armed.CompareAndSwap(true, false) {
			binary.BigEndian.PutUint64(frame[8:], 1<<62)
		}
		if _, err := dst.Write(frame); err != nil {
			return
		}
	}
}

// One reply whose zxid was rewritten to 2^62, the last before the
// connection drops, must not lock the client out of a real server (which
// refuses "a client that has seen zxid 0x4000000000000000").
func TestBogusZxidFromRealServer(t *testing.T) {
	p := startZxidProxy(t, srv.Addr())
	rec := newRecorder()
	c := dial(t, Config{Servers: []string{p.addr()}, Events: rec})
	ctx := testCtx(t, 30*time.Second)
	path := uniquePath(t)
	if err := create(ctx, c, path, nil, nil); err != nil {
		t.Fatal(err)
	}
	good := c.LastZxid()
	p.armed.Store(true)
	if _, err := getData(ctx, c, path, false); err != nil {
		t.Fatal(err)
	}
	if p.armed.Load() {
		t.Fatal("the reply was not rewritten")
	}
	t.Logf("last zxid %#x before the bogus reply, %#x after it", good, c.LastZxid())
	p.cut()
	rec.waitUntil(t, 10*time.Second, "Disconnected", func() bool { return rec.count(proto.StateDisconnected) == 1 })
	before := p.dialCount()
	deadline := time.Now().Add(12 * time.Second)
	for rec.count(proto.StateSyncConnected) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	dials := p.dialCount() - before
	t.Logf("dials after the drop: %d", dials)
	if rec.count(proto.StateSyncConnected) < 2 {
		t.Fatalf("not reconnected within 12 s: %d dials (lastZxidSeen %#x)", dials, c.LastZxid())
	}
	if err := exists(ctx, c, path, false); err != nil {
		t.Fatal(err)
	}
	if z := c.LastZxid(); z >= 1<<62 || z < good {
		t.Fatalf("last zxid %#x after the reconnect (was %#x)", z, good)
	}
	wantStates(t, rec, connectedNew, disconnected, reconnected)
}

// A reply over MaxReplySize fails only its own call: a multiRead of twenty
// 900 KB nodes (about 18 MB) returns ErrReplyTooLarge while small calls on
// the same connection, before, during and after it, succeed, and the
// client never disconnects.
func TestReplyTooLargeKeepsConnection(t *testing.T) {
	rec := newRecorder()
	c := dial(t, Config{Servers: []string{srv.Addr()}, Events: rec})
	ctx := testCtx(t, 60*time.Second)
	parent := uniquePath(t)
	if err := create(ctx, c, parent, nil, nil); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 900_000)
	var read proto.MultiRequest
	for i := range 20 {
		child := parent + "/" + string(rune('a'+i))
		if err := create(ctx, c, child, data, nil); err != nil {
			t.Fatal(err)
		}
		read.Ops = append(read.Ops, proto.MultiOp{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: child}})
	}
	t.Cleanup(func() {
		ctx := testCtx(t, 30*time.Second)
		for _, op := range read.Ops {
			c.Do(ctx, &Call{Op: proto.OpDelete, Req: &proto.DeleteRequest{Path: op.Req.(*proto.GetDataRequest).Path, Version: -1}})
		}
		c.Do(ctx, &Call{Op: proto.OpDelete, Req: &proto.DeleteRequest{Path: parent, Version: -1}})
	})
	before := len(rec.stateList())

	// Small calls keep going on other goroutines while the big one runs.
	stop := make(chan struct{})
	var small, failed atomic.Int64
	smallErr := make(chan error, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					smallErr <- nil
					return
				default:
				}
				if err := exists(ctx, c, parent, false); err != nil {
					failed.Add(1)
					smallErr <- err
					return
				}
				small.Add(1)
			}
		}()
	}
	big := &Call{Op: proto.OpMultiRead, Req: &read, Resp: &proto.MultiResponse{}}
	err := c.Do(ctx, big)
	atAfter := small.Load()
	// A few more small calls after the big one, then stop.
	for small.Load() < atAfter+20 && failed.Load() == 0 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	for range 4 {
		if e := <-smallErr; e != nil {
			t.Fatalf("small call beside the big one: %v", e)
		}
	}
	var tl *ReplyTooLargeError
	if !errors.Is(err, ErrReplyTooLarge) || !errors.As(err, &tl) || tl.Size <= defaultMaxReply {
		t.Fatalf("multiRead of 18 MB: %v; want ErrReplyTooLarge", err)
	}
	t.Logf("big call: %v; %d small calls succeeded meanwhile", err, small.Load())
	changes := rec.stateList()[before:]
	t.Logf("state changes during the test: %d %v", len(changes), changes)
	if len(changes) != 0 {
		t.Fatalf("state changes %v: the big reply disturbed the connection", changes)
	}
	if _, err := getData(ctx, c, parent+"/a", false); err != nil {
		t.Fatalf("getData of one 900 KB node afterwards: %v", err)
	}
}
