//go:build go1.25

package fuzz

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zkwire/zk/conn"
	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// streamServer is a scripted server for FuzzConnStream: the first
// connection completes the handshake, reads one request and answers with
// the fuzzed bytes, then closes; later connections are refused, so the
// client ends up waiting for a server that never comes back.
type streamServer struct {
	reply []byte
	mu    sync.Mutex
	dials int
}

func (s *streamServer) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	s.mu.Lock()
	s.dials++
	first := s.dials == 1
	s.mu.Unlock()
	if !first {
		return nil, errors.New("refused")
	}
	client, server := net.Pipe()
	go s.serve(server)
	return client, nil
}

func (s *streamServer) serve(nc net.Conn) {
	defer nc.Close()
	if _, err := readFrame(nc); err != nil { // ConnectRequest
		return
	}
	resp := (&proto.ConnectResponse{TimeOut: 6000, SessionID: 1, Passwd: make([]byte, 16)})
	buf, start := jute.BeginFrame(nil)
	buf = resp.AppendTo(buf)
	jute.EndFrame(buf, start)
	if _, err := nc.Write(buf); err != nil {
		return
	}
	if _, err := readFrame(nc); err != nil { // the getData
		return
	}
	nc.Write(s.reply)
}

func readFrame(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint32(size[:]))
	_, err := io.ReadFull(r, b)
	return b, err
}

// FuzzConnStream feeds arbitrary bytes to the session engine's receive
// loop as the answer to a getData: whatever arrives, the call returns (with
// data or an error), Close returns, and no goroutine is left (synctest
// fails the bubble if one stays blocked). Runs in fake time, so the read
// timeout and backoff cost nothing.
func FuzzConnStream(f *testing.F) {
	frame := func(recs ...proto.Record) []byte {
		buf, start := jute.BeginFrame(nil)
		for _, r := range recs {
			buf = r.AppendTo(buf)
		}
		jute.EndFrame(buf, start)
		return buf
	}
	good := frame(&proto.ReplyHeader{Xid: 1, Zxid: 5}, &proto.GetDataResponse{Data: []byte("v"), Stat: sampleStat})
	f.Add(good)
	f.Add(frame(&proto.ReplyHeader{Xid: -1, Zxid: -1}, &proto.WatcherEvent{Type: 3, State: 3, Path: "/p"}))
	f.Add(append(frame(&proto.ReplyHeader{Xid: -2, Zxid: 5}), good...))
	f.Add(frame(&proto.ReplyHeader{Xid: 9, Zxid: 5}))
	f.Add(frame(&proto.ReplyHeader{Xid: 1, Zxid: 5, Err: proto.ErrNoNode}))
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff})
	f.Add(good[:len(good)-3])
	f.Fuzz(func(t *testing.T, reply []byte) {
		synctest.Test(t, func(t *testing.T) {
			srv := &streamServer{reply: reply}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c, err := conn.Dial(ctx, conn.Config{
				Servers: []string{"fake:2181"}, Dialer: srv.dial, SessionTimeout: 6 * time.Second,
				MaxReplySize: 1 << 20,
			})
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			call := &conn.Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/p"}, Resp: &proto.GetDataResponse{}}
			err = c.Do(ctx, call)
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("getData did not return within a minute of fake time")
			}
			if err := c.Close(); err != nil && !errors.Is(err, conn.ErrClosed) {
				t.Logf("Close: %v", err)
			}
		})
	})
}
