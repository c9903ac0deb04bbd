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

// readLoop is the only goroutine that reads from the socket. Every frame
// must arrive within the read timeout (the server answers our pings, so
// silence means the connection is dead: drop and reconnect; the session
// itself may well be alive). Each frame is allocated at its exact size and
// never reused, because decoded []byte fields (getData's data) alias it;
// one jute.Reader is reused for all of them.
func (l *link) readLoop() {
	defer l.loops.Done()
	c := l.c
	br := bufio.NewReaderSize(l.nc, 64<<10) // many small replies per read syscall
	var (
		r    jute.Reader
		hdr  proto.ReplyHeader
		size [4]byte
	)
	for {
		l.nc.SetReadDeadline(time.Now().Add(l.readTimeout))
		if _, err := io.ReadFull(br, size[:]); err != nil {
			l.die(l.readErr(err))
			return
		}
		// Checked before allocating: a hostile or confused peer cannot make
		// us allocate more than MaxReplySize.
		n := int32(binary.BigEndian.Uint32(size[:]))
		if n < proto.ReplyHeaderSize || int64(n) > int64(c.cfg.MaxReplySize) {
			l.die(protocolErr("reply frame length %d outside [%d, %d] (MaxReplySize)", n, proto.ReplyHeaderSize, c.cfg.MaxReplySize))
			return
		}
		frame := make([]byte, n)
		if _, err := io.ReadFull(br, frame); err != nil {
			l.die(l.readErr(err))
			return
		}
		r.Reset(frame)
		hdr.Decode(&r)
		var err error
		switch hdr.Xid {
		case proto.XidNotification:
			err = l.notification(&r)
		case proto.XidPing:
			// Its arrival (within the read timeout) is all that matters.
		case proto.XidAuth:
			err = l.authReply(hdr)
		default:
			err = l.reply(hdr, &r, len(frame))
		}
		if err != nil {
			l.die(err)
			return
		}
	}
}

// reply completes the call at the head of the pending FIFO. ZooKeeper
// answers in order, so any other xid is a protocol violation: the
// connection is closed (the head then fails with connection loss), never
// papered over.
func (l *link) reply(hdr proto.ReplyHeader, r *jute.Reader, size int) error {
	c := l.c
	call, head := l.popPending(hdr.Xid)
	if call == nil {
		if head == 0 {
			return protocolErr("reply with xid %d while no request is pending", hdr.Xid)
		}
		return protocolErr("reply xid %d does not match the oldest pending request (xid %d)", hdr.Xid, head)
	}
	// Only normal replies move lastZxid (Java's rule); it is what the next
	// handshake and watch restoration present to the server.
	if hdr.Zxid > c.lastZxid.Load() {
		c.lastZxid.Store(hdr.Zxid)
	}
	call.Zxid = hdr.Zxid
	if hdr.Err != 0 {
		// The server sends no body with an error.
		call.complete(hdr.Err)
		return nil
	}
	if call.Resp != nil {
		call.Resp.Decode(r)
		if err := r.Err(); err != nil {
			perr := protocolErr("undecodable %v reply (xid %d, %d bytes): %v", call.Op, hdr.Xid, size, err)
			call.complete(lossError(perr, true))
			return perr
		}
	}
	call.complete(nil)
	return nil
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
func (l *link) authReply(hdr proto.ReplyHeader) error {
	call := l.popAuth()
	if call == nil {
		return protocolErr("reply to a credential (xid -4) that was not sent")
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
