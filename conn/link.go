package conn

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// link is one TCP (or TLS) connection of the session: exactly one writer
// goroutine (send.go) and one reader goroutine (recv.go), torn down once
// through die.
type link struct {
	c           *Conn
	nc          net.Conn // written only by the writer, read only by the reader
	addr        string
	readOnly    bool
	readTimeout time.Duration // nothing received for this long: drop
	pingEvery   time.Duration // nothing sent for this long: ping

	dying atomic.Bool
	err   error          // why it died; written by die before dead is closed
	dead  chan struct{}  // closed by die
	loops sync.WaitGroup // the reader and the writer

	pmu sync.Mutex
	// pending holds the normal calls written (or being written), in wire
	// order: ZooKeeper answers in order, so a reply must match the head.
	// Guarded by pmu.
	pending ring
	// authWait holds the AddAuth packets written, in order; their replies
	// (xid -4) come outside the request pipeline. Guarded by pmu.
	authWait ring
	// closed is set by die: from then on no call enters the FIFOs.
	// Guarded by pmu.
	closed bool
}

// newLink prepares a connection whose handshake is done. The timers follow
// the negotiated timeout, as in Java: a read timeout of 2/3 of it, so a
// dead connection is noticed with a third of the session timeout left to
// reconnect, and a ping after half a read timeout of silence (capped at
// 10 s), so an idle session always shows life well within it.
func newLink(c *Conn, nc net.Conn, addr string, negotiated time.Duration, readOnly bool) *link {
	rt := negotiated * 2 / 3
	return &link{
		c: c, nc: heardConn{nc, c}, addr: addr, readOnly: readOnly,
		readTimeout: rt, pingEvery: min(rt/2, 10*time.Second),
		dead: make(chan struct{}),
	}
}

func (l *link) start() {
	l.loops.Add(2)
	go l.writeLoop()
	go l.readLoop()
}

// die tears the connection down, once, whoever calls it first (the reader
// on a read error or a protocol violation, the writer on a write error, the
// session goroutine on Close): it closes the socket, which unblocks both
// loops, closes dead, and fails every call in the FIFOs. The session
// goroutine then reconnects.
func (l *link) die(err error) {
	if l.dying.Swap(true) {
		return
	}
	l.err = err
	l.nc.Close()
	close(l.dead)
	l.pmu.Lock()
	pending, auth := l.pending.drain(), l.authWait.drain()
	l.closed = true
	l.pmu.Unlock()
	if len(pending)+len(auth) == 0 {
		return
	}
	// Written calls may have been applied: Sent is true, so SafeToRetry
	// says no. (Calls the writer knows it never wrote are put back in the
	// queue instead; see writeLoop.)
	fail := l.c.dropError(err)
	for _, call := range pending {
		call.complete(fail)
	}
	for _, call := range auth {
		call.complete(fail)
	}
}

// push appends calls to the FIFOs, in order, before their bytes are
// written, so a reply can never arrive before its request is registered.
// It reports false, taking none, if the connection is already dead.
func (l *link) push(calls []*Call) bool {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	if l.closed {
		return false
	}
	for _, call := range calls {
		if call.auth {
			l.authWait.push(call)
		} else {
			l.pending.push(call)
		}
	}
	return true
}

// unpush takes back calls that were pushed but never written (the tail of
// a failed write), so they can be queued for the next connection. It
// returns those it took: from the newest back, each must still be the
// newest of its FIFO. Nothing is taken once die has failed them, and a
// call a hostile server answered (popped) stops the walk: it and the
// calls before it stay for die to fail.
func (l *link) unpush(calls []*Call) []*Call {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	if l.closed {
		return nil
	}
	for i := len(calls) - 1; i >= 0; i-- {
		q := &l.pending
		if calls[i].auth {
			q = &l.authWait
		}
		if q.back() != calls[i] {
			return calls[i+1:]
		}
		q.popBack()
	}
	return calls
}

// popPending removes and returns the oldest pending call if its xid is
// xid. Otherwise it returns nil and the head's xid (0 if none is pending).
func (l *link) popPending(xid int32) (*Call, int32) {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	head := l.pending.front()
	if head == nil {
		return nil, 0
	}
	if head.xid != xid {
		return nil, head.xid
	}
	return l.pending.popFront(), xid
}

// popAuth removes and returns the oldest AddAuth packet, nil if none.
func (l *link) popAuth() *Call {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	return l.authWait.popFront()
}

// inFlight returns how many written calls await their replies.
func (l *link) inFlight() int {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	return l.pending.len()
}

// heardConn notes in Conn.heard when bytes arrive from the server: the
// session deadline counts from the last time the client heard from one.
// (Per read system call, not per frame: the reader reads many frames at
// once under load.)
type heardConn struct {
	net.Conn
	c *Conn
}

func (h heardConn) Read(b []byte) (int, error) {
	n, err := h.Conn.Read(b)
	if n > 0 {
		h.c.heard.Store(time.Now().UnixNano())
	}
	return n, err
}
