package zktest

import (
	"encoding/binary"
	"net"
	"testing"
	"time"
)

// Raw ZooKeeper frames for the tests, written by hand like expire.go.

// rawSession is a session opened with hand-made frames.
type rawSession struct {
	conn     net.Conn
	id       int64
	password []byte
	timeout  int32 // negotiated, ms
}

// rawConnect sends a ConnectRequest for session id (0: a new one) and
// reads the ConnectResponse. The connection is closed when the test ends.
func rawConnect(t *testing.T, addr string, id int64, password []byte) rawSession {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if password == nil {
		password = make([]byte, 16)
	}
	req := binary.BigEndian.AppendUint32(nil, 0)         // protocolVersion
	req = binary.BigEndian.AppendUint64(req, 0)          // lastZxidSeen
	req = binary.BigEndian.AppendUint32(req, 10000)      // timeOut
	req = binary.BigEndian.AppendUint64(req, uint64(id)) // sessionId
	req = binary.BigEndian.AppendUint32(req, uint32(len(password)))
	req = append(req, password...)
	req = append(req, 0) // readOnly
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(frame(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := readFrame(c)
	if err != nil {
		t.Fatalf("ConnectResponse from %s: %v", addr, err)
	}
	if len(resp) < 20 {
		t.Fatalf("ConnectResponse of %d bytes: %x", len(resp), resp)
	}
	n := binary.BigEndian.Uint32(resp[16:20])
	if int(n) > len(resp)-20 {
		t.Fatalf("ConnectResponse password of %d bytes in %x", n, resp)
	}
	return rawSession{
		conn:     c,
		timeout:  int32(binary.BigEndian.Uint32(resp[4:8])),
		id:       int64(binary.BigEndian.Uint64(resp[8:16])),
		password: resp[20 : 20+n],
	}
}

// existsWatch sends exists(path, watch=true) as request xid and returns
// the reply's error code (-101: NONODE, which still sets the watch).
func (s rawSession) existsWatch(t *testing.T, xid int32, path string) int32 {
	t.Helper()
	req := binary.BigEndian.AppendUint32(nil, uint32(xid))
	req = binary.BigEndian.AppendUint32(req, 3) // exists
	req = binary.BigEndian.AppendUint32(req, uint32(len(path)))
	req = append(req, path...)
	req = append(req, 1) // watch
	s.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := s.conn.Write(frame(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := readFrame(s.conn)
	if err != nil || len(resp) < 16 {
		t.Fatalf("exists reply %x: %v", resp, err)
	}
	if got := int32(binary.BigEndian.Uint32(resp[0:4])); got != xid {
		t.Fatalf("reply xid %d, want %d", got, xid)
	}
	return int32(binary.BigEndian.Uint32(resp[12:16]))
}
