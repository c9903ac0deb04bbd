package bench

import (
	"net"
	"sync/atomic"
)

// ConnCounter counts the Read and Write calls made on the connections it
// wraps. A client's dialer option wraps its connections (see CountedZK),
// so the counts are the client's socket reads and writes: one Read or
// Write call is one successful read(2) or write(2) on a TCP socket (a
// call that would block waits in the poller and retries inside the same
// call). Safe for concurrent use; the zero value is ready.
type ConnCounter struct {
	reads, writes atomic.Int64
}

// Wrap returns nc with its Read and Write calls counted. Everything else
// is nc's own.
func (c *ConnCounter) Wrap(nc net.Conn) net.Conn {
	return &countedConn{Conn: nc, c: c}
}

// Counts returns the reads and writes so far.
func (c *ConnCounter) Counts() (reads, writes int64) {
	if c == nil {
		return 0, 0
	}
	return c.reads.Load(), c.writes.Load()
}

type countedConn struct {
	net.Conn
	c *ConnCounter
}

func (cc *countedConn) Read(p []byte) (int, error) {
	cc.c.reads.Add(1)
	return cc.Conn.Read(p)
}

func (cc *countedConn) Write(p []byte) (int, error) {
	cc.c.writes.Add(1)
	return cc.Conn.Write(p)
}
