//go:build go1.25

// Tests against a scripted in-memory server, for what a real server cannot
// be made to do: protocol violations, silence, misconnections, exact
// timing. Each runs in a testing/synctest bubble over net.Pipe, so timeouts
// cost no wall time and synctest.Test fails if a goroutine is left behind.

package conn

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

const fakeSession = 0x4200000000000001

// fake is a scripted server: every dial gets a net.Pipe whose far end runs
// script on a goroutine of its own (inside the test's bubble).
type fake struct {
	mu       sync.Mutex
	dials    int   // attempts; guarded by mu
	accepted int   // connections made; guarded by mu
	refuse   bool  // dials fail while set; guarded by mu
	log      []any // what the scripts saw, for assertions; guarded by mu
	script   func(fc *fakeConn)
}

func newFake(script func(fc *fakeConn)) *fake { return &fake{script: script} }

func (f *fake) dial(_ context.Context, _, addr string) (net.Conn, error) {
	f.mu.Lock()
	f.dials++
	n, refuse := f.accepted, f.refuse
	if !refuse {
		f.accepted++
	}
	f.mu.Unlock()
	if refuse {
		return nil, errors.New("connection refused (fake)")
	}
	cli, srvEnd := net.Pipe()
	fc := &fakeConn{Conn: srvEnd, f: f, n: n, addr: addr}
	go func() {
		defer srvEnd.Close()
		f.script(fc)
	}()
	return cli, nil
}

func (f *fake) setRefuse(on bool) { f.mu.Lock(); f.refuse = on; f.mu.Unlock() }

func (f *fake) dialCount() int { f.mu.Lock(); defer f.mu.Unlock(); return f.dials }

func (f *fake) record(x any) { f.mu.Lock(); f.log = append(f.log, x); f.mu.Unlock() }

func (f *fake) seen() []any { f.mu.Lock(); defer f.mu.Unlock(); return append([]any(nil), f.log...) }

// fakeConn is the server's end of one connection.
type fakeConn struct {
	net.Conn
	f    *fake
	n    int // which connection (0 for the first one made)
	addr string
	zxid int64
}

func (fc *fakeConn) frame() ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(fc, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > 1<<20 {
		// Like a real server: a TLS hello (0x16030...) is no frame.
		return nil, errors.New("fake: frame too large")
	}
	b := make([]byte, size)
	_, err := io.ReadFull(fc, b)
	return b, err
}

func (fc *fakeConn) send(recs ...proto.Record) error {
	b, start := jute.BeginFrame(nil)
	for _, r := range recs {
		b = r.AppendTo(b)
	}
	jute.EndFrame(b, start)
	_, err := fc.Write(b)
	return err
}

// accept reads the ConnectRequest and grants a session: the one asked for,
// or fakeSession+n for a new one.
func (fc *fakeConn) accept() (proto.ConnectRequest, error) {
	var req proto.ConnectRequest
	f, err := fc.frame()
	if err != nil {
		return req, err
	}
	if err := proto.Unmarshal(f, &req); err != nil {
		return req, err
	}
	sid := req.SessionID
	if sid == 0 {
		sid = fakeSession + int64(fc.n)
	}
	return req, fc.send(&proto.ConnectResponse{TimeOut: 6000, SessionID: sid, Passwd: make([]byte, 16)})
}

// request reads one request.
func (fc *fakeConn) request() (proto.RequestHeader, *jute.Reader, error) {
	var h proto.RequestHeader
	f, err := fc.frame()
	if err != nil {
		return h, nil, err
	}
	r := jute.NewReader(f)
	h.Decode(r)
	return h, r, r.Err()
}

// answer replies to a request as a well-behaved server would: getData
// returns "ok", closeSession is answered (and then serve stops), anything
// else gets an empty reply.
func (fc *fakeConn) answer(h proto.RequestHeader) error {
	switch h.Xid {
	case proto.XidPing:
		return fc.send(&proto.ReplyHeader{Xid: proto.XidPing, Zxid: fc.zxid})
	case proto.XidAuth:
		return fc.send(&proto.ReplyHeader{Xid: proto.XidAuth})
	}
	fc.zxid++
	hdr := &proto.ReplyHeader{Xid: h.Xid, Zxid: fc.zxid}
	if h.Type == proto.OpGetData {
		return fc.send(hdr, &proto.GetDataResponse{Data: []byte("ok")})
	}
	return fc.send(hdr)
}

// serve answers requests until the connection ends, closeSession is
// answered, or hook returns stop. hook (may be nil) sees every request
// first and returns handled if it answered it itself.
func (fc *fakeConn) serve(hook func(h proto.RequestHeader, r *jute.Reader) (handled, stop bool)) {
	for {
		h, r, err := fc.request()
		if err != nil {
			return
		}
		if hook != nil {
			handled, stop := hook(h, r)
			if stop {
				return
			}
			if handled {
				continue
			}
		}
		if fc.answer(h) != nil || h.Type == proto.OpCloseSession {
			return
		}
	}
}

// acceptAndServe is the script of a well-behaved server.
func acceptAndServe(fc *fakeConn) {
	if _, err := fc.accept(); err == nil {
		fc.serve(nil)
	}
}
