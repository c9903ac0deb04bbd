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
	pending []*Call
	// authWait holds the AddAuth packets written, in order; their replies
	// (xid -4) come outside the request pipeline. Guarded by pmu.
	authWait []*Call
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
	pending, auth := l.pending, l.authWait
	l.pending, l.authWait, l.closed = nil, nil, true
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
	if n := len(l.pending) + len(calls); n > cap(l.pending) {
		// The FIFO slides forward as replies pop its head, so under steady
		// pipelining it keeps running out of room at its end: give the new
		// array room for many slides (not append's mere doubling), so that
		// this allocates once per hundreds of calls, not once per dozens.
		grown := make([]*Call, len(l.pending), 2*n+256)
		copy(grown, l.pending)
		l.pending = grown
	}
	for _, call := range calls {
		if call.auth {
			l.authWait = append(l.authWait, call)
		} else {
			l.pending = append(l.pending, call)
		}
	}
	return true
}

// unpush takes back calls that were pushed but never written (the tail of
// a failed write), so they can be queued for the next connection. It
// returns nil, taking none, if die already failed them or if the tails do
// not hold exactly these calls (a hostile server answered one).
func (l *link) unpush(calls []*Call) []*Call {
	var normal, auth []*Call
	for _, call := range calls {
		if call.auth {
			auth = append(auth, call)
		} else {
			normal = append(normal, call)
		}
	}
	l.pmu.Lock()
	defer l.pmu.Unlock()
	if l.closed || !hasTail(l.pending, normal) || !hasTail(l.authWait, auth) {
		return nil
	}
	clear(l.pending[len(l.pending)-len(normal):])
	l.pending = l.pending[:len(l.pending)-len(normal)]
	clear(l.authWait[len(l.authWait)-len(auth):])
	l.authWait = l.authWait[:len(l.authWait)-len(auth)]
	return calls
}

func hasTail(list, tail []*Call) bool {
	if len(tail) > len(list) {
		return false
	}
	for i, call := range tail {
		if list[len(list)-len(tail)+i] != call {
			return false
		}
	}
	return true
}

// popPending removes and returns the oldest pending call if its xid is
// xid. Otherwise it returns nil and the head's xid (0 if none is pending).
func (l *link) popPending(xid int32) (*Call, int32) {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	if len(l.pending) == 0 {
		return nil, 0
	}
	head := l.pending[0]
	if head.xid != xid {
		return nil, head.xid
	}
	l.pending[0] = nil
	if len(l.pending) == 1 {
		// Empty: start over at the array's front, or else, one call at a
		// time, every push would have to allocate a new array.
		l.pending = l.pending[:0]
	} else {
		l.pending = l.pending[1:]
	}
	return head, xid
}

// popAuth removes and returns the oldest AddAuth packet, nil if none.
func (l *link) popAuth() *Call {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	if len(l.authWait) == 0 {
		return nil
	}
	call := l.authWait[0]
	l.authWait[0] = nil
	l.authWait = l.authWait[1:]
	return call
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
