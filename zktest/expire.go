package zktest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// This file writes the few frames it needs with encoding/binary on
// purpose: zktest must not import the proto package, so that the codec's
// own tests (proto, conn) can use it without an import cycle, and so that
// a codec bug cannot hide behind a helper built on that same codec.
// Layouts: protocol.md §1.1 (frame), §2.1-2.2 (connect), §3.1 (headers).

const (
	opCloseSession   = -11
	maxExpireFrame   = 1 << 20 // no reply this file reads comes near it
	expireTimeout    = 30 * time.Second
	expireRoundTrip  = 5 * time.Second
	closeSessionXid  = 1
	connectTimeoutMs = 10000 // what we ask for; the session keeps its own
)

// ExpireSession ends a live session now, the standard way: a second
// connection attaches to the session with its id and password (the server
// then drops the session's current connection) and sends closeSession.
// The session's client finds out when it reconnects: the server answers
// its ConnectRequest as for an expired session (timeout 0).
//
// It returns once a fresh attach is refused, so the session is gone when
// it returns; a session that is gone already is not an error. It gives up
// after 30 s or when ctx ends.
func ExpireSession(ctx context.Context, addr string, sessionID int64, password []byte) error {
	ctx, cancel := context.WithTimeout(ctx, expireTimeout)
	defer cancel()
	// The client reconnects as soon as its connection is taken over, and
	// its reconnect can take the session back from us before our
	// closeSession is read: try until the server says it is gone.
	for {
		alive, err := attach(ctx, addr, sessionID, password, true)
		if err == nil && !alive {
			return nil
		}
		if ctx.Err() != nil {
			if err == nil {
				err = errors.New("the session is still alive")
			}
			return fmt.Errorf("zktest: expiring session 0x%x on %s: %w", sessionID, addr, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// attach connects to the session and reports whether the server accepts
// it. With closeSession it pipelines closeSession right behind the
// ConnectRequest (the server reads no further until the session is
// attached, so the client has no window between the two), waits for the
// reply or the close, and then attaches once more to check.
func attach(ctx context.Context, addr string, sessionID int64, password []byte, closeSession bool) (bool, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, err
	}
	defer c.Close()
	dl := time.Now().Add(expireRoundTrip)
	if ctxDl, ok := ctx.Deadline(); ok && ctxDl.Before(dl) {
		dl = ctxDl
	}
	c.SetDeadline(dl)

	// ConnectRequest: int protocolVersion, long lastZxidSeen, int timeOut,
	// long sessionId, buffer passwd, bool readOnly.
	req := binary.BigEndian.AppendUint32(nil, 0)
	req = binary.BigEndian.AppendUint64(req, 0)
	req = binary.BigEndian.AppendUint32(req, connectTimeoutMs)
	req = binary.BigEndian.AppendUint64(req, uint64(sessionID))
	req = binary.BigEndian.AppendUint32(req, uint32(len(password)))
	req = append(req, password...)
	req = append(req, 0)
	out := frame(req)
	if closeSession {
		// RequestHeader: int xid, int type; closeSession has no body.
		op := int32(opCloseSession)
		hdr := binary.BigEndian.AppendUint32(nil, closeSessionXid)
		hdr = binary.BigEndian.AppendUint32(hdr, uint32(op))
		out = append(out, frame(hdr)...)
	}
	if _, err := c.Write(out); err != nil {
		return false, err
	}
	// ConnectResponse: int protocolVersion, int timeOut, long sessionId,
	// buffer passwd, [bool readOnly]. timeOut 0: no such session.
	resp, err := readFrame(c)
	if err != nil {
		return false, fmt.Errorf("reading the ConnectResponse: %w", err)
	}
	if len(resp) < 16 {
		return false, fmt.Errorf("a ConnectResponse of %d bytes", len(resp))
	}
	if binary.BigEndian.Uint32(resp[4:8]) == 0 {
		return false, nil
	}
	if !closeSession {
		return true, nil
	}
	// The reply to closeSession (ReplyHeader xid 1), or the server closing
	// the connection, which it does once the session is closed.
	for {
		f, err := readFrame(c)
		if err != nil || (len(f) >= 4 && int32(binary.BigEndian.Uint32(f)) == closeSessionXid) {
			break
		}
	}
	c.Close()
	return attach(ctx, addr, sessionID, password, false)
}

// frame prefixes payload with its length (protocol.md §1.1).
func frame(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

// readFrame reads one length-prefixed frame.
func readFrame(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxExpireFrame {
		return nil, fmt.Errorf("zktest: a frame of %d bytes", size)
	}
	b := make([]byte, size)
	_, err := io.ReadFull(r, b)
	return b, err
}
