package conn

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// maxFrameHard bounds a reply frame's length whatever MaxReplySize says: a
// longer one cannot be a real reply (the server's own buffers are far
// smaller), so it means the stream is garbage and the connection ends. A
// length between MaxReplySize and this bound is a real but unwanted reply:
// it is skipped and fails only its own call (see oversize).
const maxFrameHard = 1 << 30

// readBuf is the reader's buffer: under load one read system call takes
// every reply that has arrived (64 replies of 1 KiB fit).
const readBuf = 128 << 10

// readLoop is the only goroutine that reads from the socket. Every frame
// must arrive within the read timeout (the server answers our pings, so
// silence means the connection is dead: drop and reconnect; the session
// itself may well be alive).
//
// A frame that fits the read buffer is decoded where it lies, with a
// jute.Reader in copy mode: what a reply keeps (getData's data) is copied
// out, and a reply that keeps nothing (a Stat) costs no allocation. A
// bigger frame is allocated at its exact size and decoded in place, its
// buffers aliasing it.
func (l *link) readLoop() {
	defer l.loops.Done()
	c := l.c
	br := bufio.NewReaderSize(l.nc, readBuf)
	var (
		r   jute.Reader
		hdr proto.ReplyHeader
		zt  zxidTracker
		rp  readPacer
	)
	hard := max(int64(maxFrameHard), int64(c.cfg.MaxReplySize))
	for {
		if br.Buffered() == 0 {
			rp.next(l)
		}
		rp.n++
		size, err := l.peek(br, 4)
		if err != nil {
			l.die(l.readErr(err))
			return
		}
		// Checked before allocating: a hostile or confused peer cannot make
		// us allocate more than MaxReplySize.
		n := int32(binary.BigEndian.Uint32(size))
		br.Discard(4)
		if n < proto.ReplyHeaderSize || int64(n) > hard {
			l.die(protocolErr("reply frame length %d outside [%d, %d]", n, proto.ReplyHeaderSize, hard))
			return
		}
		if int(n) > c.cfg.MaxReplySize {
			if err := l.oversize(br, int(n), &zt); err != nil {
				l.die(err)
				return
			}
			continue
		}
		var frame []byte
		if int(n) <= br.Size() {
			if frame, err = l.peek(br, int(n)); err == nil {
				r.ResetCopy(frame)
			}
		} else {
			frame = make([]byte, n)
			l.nc.SetReadDeadline(time.Now().Add(l.readTimeout))
			if _, err = io.ReadFull(br, frame); err == nil {
				r.Reset(frame)
			}
		}
		if err != nil {
			l.die(l.readErr(err))
			return
		}
		hdr.Decode(&r)
		switch hdr.Xid {
		case proto.XidNotification:
			rp.notes++
			err = l.notification(&r)
		case proto.XidPing:
			// Its arrival (within the read timeout) is all that matters.
		case proto.XidAuth:
			err = l.authReply(hdr)
		default:
			err = l.reply(hdr, &r, len(frame), &zt)
		}
		if int(n) <= br.Size() {
			br.Discard(int(n)) // decoded: the bytes may be overwritten
		}
		if err != nil {
			l.die(err)
			return
		}
	}
}

// peek returns the next n buffered bytes (n at most the buffer's size),
// reading from the socket only when fewer are buffered, and then within
// the read timeout.
func (l *link) peek(br *bufio.Reader, n int) ([]byte, error) {
	if br.Buffered() < n {
		l.nc.SetReadDeadline(time.Now().Add(l.readTimeout))
	}
	return br.Peek(n)
}

// oversize handles a frame of n bytes, over MaxReplySize: its header is
// read, the rest is read and thrown away, and the call it answers fails
// with a *ReplyTooLargeError. The connection stays: one big read must not
// fail the other calls sharing it. Only a reply to a call can be that big;
// an oversize notification, ping or auth reply is a protocol error.
func (l *link) oversize(br *bufio.Reader, n int, zt *zxidTracker) error {
	var b [proto.ReplyHeaderSize]byte
	if _, err := io.ReadFull(br, b[:]); err != nil {
		return l.readErr(err)
	}
	var hdr proto.ReplyHeader
	if err := proto.Unmarshal(b[:], &hdr); err != nil {
		return protocolErr("reply header: %v", err)
	}
	if hdr.Xid == proto.XidNotification || hdr.Xid == proto.XidPing || hdr.Xid == proto.XidAuth {
		return protocolErr("a %d-byte frame with xid %d exceeds MaxReplySize %d", n, hdr.Xid, l.c.cfg.MaxReplySize)
	}
	// Read in pieces, each within the read timeout: a big reply on a slow
	// link is progress, not silence.
	for left := n - len(b); left > 0; {
		l.nc.SetReadDeadline(time.Now().Add(l.readTimeout))
		k, err := br.Discard(min(left, 1<<20))
		left -= k
		if err != nil {
			return l.readErr(err)
		}
	}
	call, err := l.popReply(hdr)
	if err != nil {
		return err
	}
	zt.note(l.c, hdr.Zxid)
	call.Zxid = hdr.Zxid
	call.complete(&ReplyTooLargeError{Op: call.Op, Size: n, Limit: l.c.cfg.MaxReplySize})
	return nil
}

// popReply takes the call that hdr answers: the head of the pending FIFO.
// ZooKeeper answers in order, so any other xid is a protocol violation: the
// connection is closed (the head then fails with connection loss), never
// papered over.
func (l *link) popReply(hdr proto.ReplyHeader) (*Call, error) {
	call, head := l.popPending(hdr.Xid)
	if call == nil {
		if head == 0 {
			return nil, protocolErr("reply with xid %d while no request is pending", hdr.Xid)
		}
		return nil, protocolErr("reply xid %d does not match the oldest pending request (xid %d)", hdr.Xid, head)
	}
	return call, nil
}

// reply completes the call at the head of the pending FIFO.
func (l *link) reply(hdr proto.ReplyHeader, r *jute.Reader, size int, zt *zxidTracker) error {
	call, err := l.popReply(hdr)
	if err != nil {
		return err
	}
	zt.note(l.c, hdr.Zxid)
	call.Zxid = hdr.Zxid
	if hdr.Err != 0 {
		// The server sends no body with an error.
		call.complete(codeErr(hdr.Err))
		return nil
	}
	if call.Resp != nil {
		call.Resp.Decode(r)
		if err := r.Err(); err != nil {
			perr := &ProtocolError{Msg: fmt.Sprintf("undecodable %v reply (xid %d, %d bytes): %v", call.Op, hdr.Xid, size, err), Err: err}
			// The connection is given up before the caller wakes, so that
			// its next request waits for the next connection rather than
			// going out on this one and failing with it.
			l.die(perr)
			call.complete(lossError(perr, true))
			return perr
		}
	}
	call.complete(nil)
	return nil
}

// zxidTracker keeps Conn.lastZxid, what the next handshake presents as
// lastZxidSeen (a server that has seen less refuses the client) and what
// watch restoration starts from. It belongs to one connection's reader.
//
// The rule: the latest positive zxid of a normal reply, as the Java client
// keeps it, so that one bad value is replaced by the next reply instead of
// being kept forever (keeping the highest ever seen let a single reply
// carrying 2^62 lock the client out of every correct server). A correct
// server's replies never go down, and a server behind us refuses the
// handshake, so following the latest value never moves backwards across a
// reconnect. One exception guards the case where the bad value is the last
// reply before a drop: a jump to a later epoch (the zxid's high 32 bits,
// which change only with a leader election) is held back until a second
// reply of that epoch confirms it. A real election shows in every later
// reply; a lone corrupt value does not. What remains: the first reply of a
// session has nothing to compare with and is taken as it is.
type zxidTracker struct {
	held int64 // a reply zxid of a later epoch awaiting confirmation; 0 if none
}

func (zt *zxidTracker) note(c *Conn, z int64) {
	if z <= 0 {
		return // Java's rule too: not a transaction id
	}
	cur := c.lastZxid.Load()
	if cur > 0 && z>>32 > cur>>32 && (zt.held == 0 || zt.held>>32 != z>>32) {
		zt.held = z
		c.log.Info("zk: reply zxid jumps to a later epoch; kept only once another reply confirms it",
			"zxid", fmt.Sprintf("%#x", z), "last", fmt.Sprintf("%#x", cur))
		return
	}
	zt.held = 0
	c.lastZxid.Store(z)
}

// notification hands a watch event to the sink, synchronously: it is
// delivered before any later reply completes, so nobody sees new data
// before the event about it.
func (l *link) notification(r *jute.Reader) error {
	c := l.c
	var ev proto.WatcherEvent
	ev.Decode(r)
	if err := r.Err(); err != nil {
		return protocolErr("undecodable notification: %v", err)
	}
	if ev.Path != "" && !c.chroot.Contains(ev.Path) {
		c.log.Info("zk: notification for a path outside the chroot", "path", ev.Path, "chroot", string(c.chroot))
	}
	ev.Path = c.chroot.Strip(ev.Path)
	if c.cfg.Events != nil {
		c.cfg.Events.Notification(ev)
	}
	return nil
}

// authReply completes the oldest AddAuth packet. On AUTHFAILED the server
// closes the connection right after its reply, so the connection is given
// up first: requests submitted once AddAuth has returned then wait for the
// next connection instead of being written to a dying one. The credential
// was never remembered, so the next connection goes without it.
//
// An auth reply with no AddAuth outstanding answers nothing the client
// sent (the credentials replayed in the handshake were answered there); it
// is logged and ignored, as the Java client does, rather than failing every
// call in flight. If it was an AUTHFAILED, the server closes the connection
// by itself.
func (l *link) authReply(hdr proto.ReplyHeader) error {
	call := l.popAuth()
	if call == nil {
		l.c.log.Info("zk: ignoring an auth reply (xid -4) with no credential outstanding", "server", l.addr, "err", hdr.Err)
		return nil
	}
	switch hdr.Err {
	case 0:
		call.complete(nil)
	case proto.ErrAuthFailed:
		scheme := ""
		if p, ok := call.Req.(*proto.AuthPacket); ok {
			scheme = p.Scheme
		}
		err := fmt.Errorf("server rejected a credential (scheme %q) and closes the connection", scheme)
		l.die(err)
		call.complete(hdr.Err)
		return err
	default:
		call.complete(hdr.Err)
	}
	return nil
}

// readErr says why a read failed, in the words that matter for a drop.
func (l *link) readErr(err error) error {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("nothing received for %v (read timeout): %w", l.readTimeout, err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("server closed the connection: %w", err)
	}
	return err
}

// codeErrs holds every error code the server uses (0 to -127) already
// boxed as an error, so that a call failing with one (NoNode,
// NodeExists, BadVersion: common answers) allocates nothing.
var codeErrs = func() (e [128]error) {
	for i := range e {
		e[i] = proto.Code(-i)
	}
	return e
}()

func codeErr(c proto.Code) error {
	if c <= 0 && c > -proto.Code(len(codeErrs)) {
		return codeErrs[-c]
	}
	return c
}
