package conn

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// link is one TCP (or TLS) connection of the session, with exactly one
// writer goroutine and one reader goroutine.
type link struct {
	c           *Conn
	nc          net.Conn
	addr        string
	readTimeout time.Duration
	pingEvery   time.Duration

	dying atomic.Bool
	err   error         // why it died; written once before dead closes
	dead  chan struct{} // closed by die

	pmu      sync.Mutex
	pending  []*Call // written, awaiting replies, in wire order; guarded by pmu
	authWait []*Call // written AddAuth packets, in order; guarded by pmu

	loops sync.WaitGroup // reader and writer
}

func newLink(c *Conn, nc net.Conn, addr string, negotiated time.Duration) *link {
	rt := negotiated * 2 / 3
	return &link{c: c, nc: nc, addr: addr, readTimeout: rt, pingEvery: rt / 2, dead: make(chan struct{})}
}

// die closes the connection once; the session goroutine then fails what
// was pending and reconnects.
func (l *link) die(err error) {
	if l.dying.Swap(true) {
		return
	}
	l.err = err
	l.nc.Close()
	close(l.dead)
}

func (l *link) start() {
	l.loops.Add(2)
	go l.writeLoop()
	go l.readLoop()
}

// takePending empties both FIFOs; the loops must have ended.
func (l *link) takePending() (pending, auth []*Call) {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	pending, auth = l.pending, l.authWait
	l.pending, l.authWait = nil, nil
	return pending, auth
}

var pingFrame = func() []byte {
	b, start := jute.BeginFrame(nil)
	h := proto.RequestHeader{Xid: proto.XidPing, Type: proto.OpPing}
	b = h.AppendTo(b)
	jute.EndFrame(b, start)
	return b
}()

// writeLoop is the only writer of the socket. It drains everything queued
// into one buffer and writes it with one call (coalescing under load), and
// pings when nothing was written for pingEvery.
func (l *link) writeLoop() {
	defer l.loops.Done()
	c := l.c
	var buf []byte
	ping := time.NewTimer(l.pingEvery)
	defer ping.Stop()
	for {
		pingDue := false
		select {
		case <-l.dead:
			return
		case <-c.wake:
		case <-ping.C:
			pingDue = true
		}
		c.mu.Lock()
		batch := c.queue
		c.queue = nil
		c.mu.Unlock()
		buf = buf[:0]
		for _, call := range batch {
			if !call.state.CompareAndSwap(callQueued, callSent) {
				continue // cancelled while queued
			}
			// Into the FIFO before the bytes go out: the reply can never
			// arrive before its request is registered.
			l.pmu.Lock()
			if call.auth {
				l.authWait = append(l.authWait, call)
			} else {
				l.pending = append(l.pending, call)
			}
			l.pmu.Unlock()
			buf = append(buf, call.frame...)
			releaseFrame(call)
		}
		if pingDue && len(buf) == 0 {
			buf = append(buf, pingFrame...)
		}
		if len(buf) > 0 {
			l.nc.SetWriteDeadline(time.Now().Add(l.readTimeout))
			if _, err := l.nc.Write(buf); err != nil {
				l.die(err)
				return
			}
		}
		if len(buf) > 0 || pingDue {
			// Go 1.23 timers: Reset discards a pending expiry.
			ping.Reset(l.pingEvery)
		}
		if cap(buf) > 1<<20 {
			buf = nil // do not keep an unusually large batch's buffer
		}
	}
}

// readLoop is the only reader of the socket.
func (l *link) readLoop() {
	defer l.loops.Done()
	c := l.c
	br := bufio.NewReaderSize(l.nc, 64*1024)
	var r jute.Reader
	var hdr proto.ReplyHeader
	var size [4]byte
	for {
		l.nc.SetReadDeadline(time.Now().Add(l.readTimeout))
		if _, err := io.ReadFull(br, size[:]); err != nil {
			l.die(readErr(err))
			return
		}
		n := int32(binary.BigEndian.Uint32(size[:]))
		if n < proto.ReplyHeaderSize || int(n) > c.cfg.MaxReplySize {
			l.die(protocolErr("reply frame length %d (limit %d)", n, c.cfg.MaxReplySize))
			return
		}
		// Exact size, never reused: decoded []byte fields alias it.
		frame := make([]byte, n)
		if _, err := io.ReadFull(br, frame); err != nil {
			l.die(readErr(err))
			return
		}
		r.Reset(frame)
		hdr.Decode(&r)
		switch hdr.Xid {
		case proto.XidNotification:
			var ev proto.WatcherEvent
			ev.Decode(&r)
			if r.Err() != nil {
				l.die(protocolErr("notification: %v", r.Err()))
				return
			}
			ev.Path = c.chroot.Strip(ev.Path)
			if c.cfg.Events != nil {
				c.cfg.Events.Notification(ev)
			}
		case proto.XidPing:
		case proto.XidAuth:
			l.pmu.Lock()
			var call *Call
			if len(l.authWait) > 0 {
				call = l.authWait[0]
				l.authWait = l.authWait[1:]
			}
			l.pmu.Unlock()
			if call == nil {
				continue // a handshake auth reply, or one nobody waits for
			}
			if hdr.Err != 0 {
				call.complete(hdr.Err)
			} else {
				call.complete(nil)
			}
		default:
			l.pmu.Lock()
			var call *Call
			if len(l.pending) > 0 && l.pending[0].xid == hdr.Xid {
				call = l.pending[0]
				l.pending[0] = nil
				l.pending = l.pending[1:]
			}
			head := int32(0)
			if call == nil && len(l.pending) > 0 {
				head = l.pending[0].xid
			}
			l.pmu.Unlock()
			if call == nil {
				l.die(protocolErr("reply xid %d does not match the oldest request (xid %d)", hdr.Xid, head))
				return
			}
			if hdr.Zxid > 0 {
				c.noteZxid(hdr.Zxid)
			}
			call.Zxid = hdr.Zxid
			if hdr.Err != 0 {
				call.complete(hdr.Err)
				continue
			}
			if call.Resp != nil {
				call.Resp.Decode(&r)
				if r.Err() != nil {
					err := protocolErr("%v reply: %v", call.Op, r.Err())
					call.complete(lossError(err, true))
					l.die(err)
					return
				}
			}
			call.complete(nil)
		}
	}
}

func readErr(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errors.New("no reply from the server within the read timeout")
	}
	return err
}
