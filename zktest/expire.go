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
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	// ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly.
	req := binary.BigEndian.AppendUint32(nil, 0)
	req = binary.BigEndian.AppendUint64(req, 0)
	req = binary.BigEndian.AppendUint32(req, 10000)
	req = binary.BigEndian.AppendUint64(req, uint64(sessionID))
	req = binary.BigEndian.AppendUint32(req, uint32(len(password)))
	req = append(req, password...)
	req = append(req, 0)
	if err := writeFrame(c, req); err != nil {
		return err
	}
	resp, err := readFrame(c)
	if err != nil {
		return fmt.Errorf("zktest: expire: reading connect response: %w", err)
	}
	if len(resp) < 16 || binary.BigEndian.Uint32(resp[4:8]) == 0 {
		return errors.New("zktest: expire: the server says the session is already gone")
	}
	// closeSession: RequestHeader{xid 1, type -11}, no body.
	hdr := binary.BigEndian.AppendUint32(nil, 1)
	hdr = binary.BigEndian.AppendUint32(hdr, uint32(0xfffffff5))
	if err := writeFrame(c, hdr); err != nil {
		return err
	}
	// The reply (and possibly notifications before it) end with the server
	// closing the socket.
	for {
		f, err := readFrame(c)
		if err != nil {
			return nil
		}
		if len(f) >= 4 && int32(binary.BigEndian.Uint32(f)) == 1 {
			return nil
		}
	}
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
