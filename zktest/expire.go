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

// ExpireSession ends a live session the standard way: a second connection
// attaches to the session with its id and password (the server then drops
// the first connection) and closes it with closeSession. The client finds
// out on its next connection attempt, which the server answers as expired.
//
// The frames are written with encoding/binary here so that zktest does not
// depend on the codec that its users test.
func ExpireSession(ctx context.Context, addr string, sessionID int64, password []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// The client reconnects as soon as its connection is taken over, and
	// its reconnect kicks ours in turn: retry until the server says the
	// session is gone.
	for {
		alive, err := attach(ctx, addr, sessionID, password, true)
		if err == nil && !alive {
			return nil
		}
		if ctx.Err() != nil {
			if err == nil {
				err = errors.New("session still alive")
			}
			return fmt.Errorf("zktest: expire session 0x%x: %w", sessionID, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// attach connects with the session's id and password and reports whether
// the server still accepts the session. With closeSession it pipelines a
// closeSession request right behind the handshake (the server processes
// it once the session is attached), leaving the client no window to take
// the session back first; it then reports alive until a later attach
// shows the session gone.
func attach(ctx context.Context, addr string, sessionID int64, password []byte, closeSession bool) (bool, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	// ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly.
	req := binary.BigEndian.AppendUint32(nil, 0)
	req = binary.BigEndian.AppendUint64(req, 0)
	req = binary.BigEndian.AppendUint32(req, 10000)
	req = binary.BigEndian.AppendUint64(req, uint64(sessionID))
	req = binary.BigEndian.AppendUint32(req, uint32(len(password)))
	req = append(req, password...)
	req = append(req, 0)
	out := frame(req)
	if closeSession {
		// RequestHeader{xid 1, type -11 (closeSession)}, no body.
		hdr := binary.BigEndian.AppendUint32(nil, 1)
		hdr = binary.BigEndian.AppendUint32(hdr, uint32(0xfffffff5))
		out = append(out, frame(hdr)...)
	}
	if _, err := c.Write(out); err != nil {
		return false, err
	}
	resp, err := readFrame(c)
	if err != nil {
		return false, fmt.Errorf("reading connect response: %w", err)
	}
	if len(resp) < 16 || binary.BigEndian.Uint32(resp[4:8]) == 0 {
		return false, nil // timeout 0: the session is invalid
	}
	if !closeSession {
		return true, nil
	}
	// Wait for the closeSession reply (xid 1) or the server closing the
	// socket, then look again.
	for {
		f, err := readFrame(c)
		if err != nil || (len(f) >= 4 && int32(binary.BigEndian.Uint32(f)) == 1) {
			break
		}
	}
	c.Close()
	return attach(ctx, addr, sessionID, password, false)
}

func frame(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

func writeFrame(w io.Writer, payload []byte) error {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	_, err := w.Write(append(b, payload...))
	return err
}

func readFrame(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > 1<<20 {
		return nil, fmt.Errorf("zktest: frame of %d bytes", size)
	}
	b := make([]byte, size)
	_, err := io.ReadFull(r, b)
	return b, err
}
