package zk_test

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	zk "github.com/zkwire/zk/gozk"
	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// restoreRefuser is a scripted server behind a Dialer, for what a real
// server cannot be made to do: refuse one SetWatches packet of a restore.
// Its first connection drops at a getData of /drop; on the next, it
// answers the SetWatches carrying refusedPath with ErrNoAuth and a
// getData of /poke with a NodeDataChanged notification for pokePath first.
type restoreRefuser struct {
	refusedPath, pokePath string

	mu    sync.Mutex
	conns int
}

func (s *restoreRefuser) dial(_, _ string, _ time.Duration) (net.Conn, error) {
	s.mu.Lock()
	n := s.conns
	s.conns++
	s.mu.Unlock()
	cli, srvEnd := net.Pipe()
	go func() {
		defer srvEnd.Close()
		s.serve(srvEnd, n)
	}()
	return cli, nil
}

func readFrame(c net.Conn) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > 4<<20 {
		return nil, errors.New("frame too large")
	}
	b := make([]byte, size)
	_, err := io.ReadFull(c, b)
	return b, err
}

func sendFrame(c net.Conn, recs ...proto.Record) error {
	b, start := jute.BeginFrame(nil)
	for _, r := range recs {
		b = r.AppendTo(b)
	}
	jute.EndFrame(b, start)
	_, err := c.Write(b)
	return err
}

func (s *restoreRefuser) serve(c net.Conn, n int) {
	f, err := readFrame(c)
	if err != nil {
		return
	}
	var req proto.ConnectRequest
	if proto.Unmarshal(f, &req) != nil {
		return
	}
	sid := req.SessionID
	if sid == 0 {
		sid = 0x4200000000000001
	}
	if sendFrame(c, &proto.ConnectResponse{TimeOut: 4000, SessionID: sid, Passwd: make([]byte, 16)}) != nil {
		return
	}
	zxid := int64(10)
	for {
		f, err := readFrame(c)
		if err != nil {
			return
		}
		r := jute.NewReader(f)
		var h proto.RequestHeader
		h.Decode(r)
		reply := &proto.ReplyHeader{Xid: h.Xid, Zxid: zxid}
		var err2 error
		switch h.Type {
		case proto.OpPing, proto.OpSetWatches2:
			err2 = sendFrame(c, reply)
		case proto.OpSetWatches:
			var sw proto.SetWatches
			sw.Decode(r)
			if n == 1 && len(sw.DataWatches) > 0 && sw.DataWatches[0] == s.refusedPath {
				reply.Err = proto.ErrNoAuth
			}
			err2 = sendFrame(c, reply)
		case proto.OpGetData:
			var q proto.GetDataRequest
			q.Decode(r)
			switch {
			case q.Path == "/drop":
				return
			case q.Path == "/poke":
				ev := &proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: s.pokePath}
				if sendFrame(c, &proto.ReplyHeader{Xid: proto.XidNotification, Zxid: -1}, ev) != nil {
					return
				}
			}
			err2 = sendFrame(c, reply, &proto.GetDataResponse{Data: []byte("x"), Stat: proto.Stat{Czxid: 1, Mzxid: 1}})
		case proto.OpCloseSession:
			sendFrame(c, reply)
			return
		default:
			err2 = sendFrame(c, reply)
		}
		if err2 != nil {
			return
		}
	}
}

// When the server refuses to restore some watches after a reconnect, those
// watches end with EventNotWatching carrying the server's error (instead
// of silently never firing), and only those: a watch restored by another
// packet still fires. (Two data watches whose paths together exceed the
// 128 KiB a restore packet carries go in two packets.)
func TestRefusedRestoreEndsOnlyThoseWatches(t *testing.T) {
	s := &restoreRefuser{
		refusedPath: "/a" + strings.Repeat("a", 100<<10),
		pokePath:    "/b" + strings.Repeat("b", 100<<10),
	}
	c, _, err := zk.Connect([]string{"fake:2181"}, 4*time.Second, zk.WithDialer(s.dial),
		zk.WithLogInfo(false), zk.WithLogger(testLogger{t}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _, refused, err := c.GetW(s.refusedPath)
	if err != nil {
		t.Fatal(err)
	}
	_, _, kept, err := c.GetW(s.pokePath)
	if err != nil {
		t.Fatal(err)
	}
	c.Get("/drop") // the connection drops; its error does not matter
	if _, _, err := c.Get("/poke"); err != nil {
		t.Fatalf("get after the reconnect: %v", err)
	}
	select {
	case ev := <-refused:
		if ev.Type != zk.EventNotWatching || ev.Err != zk.ErrNoAuth {
			t.Fatalf("refused watch: %+v, want EventNotWatching with ErrNoAuth", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("refused watch: no event")
	}
	select {
	case ev := <-kept:
		if ev.Type != zk.EventNodeDataChanged || ev.Err != nil {
			t.Fatalf("restored watch: %v %v, want EventNodeDataChanged", ev.Type, ev.Err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("restored watch: no event")
	}
}
