package zk

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	root "github.com/zkwire/zk"
)

// The session events go-zookeeper reports, from two sources: the dialer
// (called on the client's session goroutine for every attempt, so attempts
// are seen in order) and the client's state listener (session up, lost,
// expired). A small state machine merges them so that the event stream
// reads as go-zookeeper's: Connecting, Connected (TCP), HasSession, and
// Disconnected when a connection ends, but never Connecting while
// connected.

// report records state s and queues its event.
func (c *Conn) report(s State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.emit(s, c.server)
}

// emit records state s and queues its event. The caller holds c.mu, so
// that events are queued in the order the state machine decided them.
func (c *Conn) emit(s State, server string) {
	c.state.Store(int32(s))
	c.events.push(Event{Type: EventSession, State: s, Server: server})
}

// dial is the client's dialer: one connection attempt to addr.
func (c *Conn) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return nil, root.ErrClosed
	}
	if c.cur == StateConnected || c.cur == StateHasSession {
		// The client's own Disconnected may still be on its way to us.
		c.emit(StateDisconnected, c.server)
	}
	c.server, c.cur = addr, StateConnecting
	c.emit(StateConnecting, addr)
	c.mu.Unlock()

	var nc net.Conn
	var err error
	if c.dialer != nil {
		timeout := time.Second
		if d, ok := ctx.Deadline(); ok {
			timeout = time.Until(d)
		}
		nc, err = c.dialer(network, addr, timeout)
	} else {
		var d net.Dialer
		nc, err = d.DialContext(ctx, network, addr)
	}
	if err != nil {
		c.mu.Lock()
		c.failed++
		c.mu.Unlock()
		c.logf("failed to connect to %s: %v", addr, err)
		return nil, err
	}
	t := &tracked{Conn: nc, c: c}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		nc.Close()
		return nil, root.ErrClosed
	}
	c.nc, c.cur = t, StateConnected
	c.emit(StateConnected, addr)
	c.mu.Unlock()
	c.infof("connected to %s", addr)
	return t, nil
}

// tracked is a connection the client is using; its Close (by the client,
// when the connection or its handshake fails, or by liveConn) reports the
// end of the connection.
type tracked struct {
	net.Conn
	c    *Conn
	once sync.Once
	// alive: the server answered something, or a read hit its deadline
	// (the server is slow, not gone).
	alive atomic.Bool
}

func (t *tracked) Read(b []byte) (int, error) {
	n, err := t.Conn.Read(b)
	var ne net.Error
	if n > 0 || errors.As(err, &ne) && ne.Timeout() {
		t.alive.Store(true)
	}
	return n, err
}

func (t *tracked) Close() error {
	err := t.Conn.Close()
	t.once.Do(func() { t.c.connClosed(t) })
	return err
}

// connClosed reports Disconnected when the current connection ends, with
// or without a session (go-zookeeper reports both).
func (c *Conn) connClosed(t *tracked) {
	c.mu.Lock()
	if c.nc != t || c.closing || (c.cur != StateConnected && c.cur != StateHasSession) {
		c.mu.Unlock()
		return
	}
	if c.cur == StateConnected && !t.alive.Load() {
		// The server took the connection and closed it unanswered (it has
		// no quorum, say). A server that answered (an expired session, for
		// one) or was only slow is not a missing server: it does not count
		// towards ErrNoServer.
		c.failed++
	}
	c.nc, c.cur = nil, StateDisconnected
	c.emit(StateDisconnected, c.server)
	c.mu.Unlock()
}

// rootState is the client's state listener.
func (c *Conn) rootState(rs root.State) {
	<-c.ready
	switch rs {
	case root.StateConnected, root.StateConnectedReadOnly:
		st := c.client.State()
		if st != root.StateConnected && st != root.StateConnectedReadOnly {
			return // already gone again; the dialer reports what follows
		}
		c.mu.Lock()
		if c.closing || c.cur != StateConnected {
			c.mu.Unlock()
			return
		}
		c.cur, c.failed = StateHasSession, 0
		c.sessionID = c.client.SessionID()
		c.sessionTimeoutMs = int32(c.client.SessionTimeout() / time.Millisecond)
		id, timeout := c.sessionID, c.sessionTimeoutMs
		c.emit(StateHasSession, c.server)
		c.mu.Unlock()
		c.infof("authenticated: id=%d, timeout=%d", id, timeout)
	case root.StateDisconnected:
		c.mu.Lock()
		if c.closing || (c.cur != StateHasSession && c.cur != StateConnected) {
			c.mu.Unlock()
			return
		}
		c.cur = StateDisconnected
		c.emit(StateDisconnected, c.server)
		c.mu.Unlock()
	case root.StateExpired, root.StateAuthFailed:
		c.mu.Lock()
		if !c.closing {
			s := StateExpired
			if rs == root.StateAuthFailed {
				s = StateAuthFailed
			}
			c.emit(s, c.server)
		}
		c.mu.Unlock()
	}
}

// liveConn stands for the connection in use: Close drops it, and the
// client reconnects to the same session.
type liveConn struct{ c *Conn }

func (l *liveConn) Close() error {
	l.c.mu.Lock()
	t := l.c.nc
	l.c.mu.Unlock()
	if t == nil {
		return nil
	}
	return t.Close()
}
