package conn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zkwire/zk/proto"
)

// run is the session goroutine, the supervisor that owns state changes and
// reconnects. It connects, serves a connection until it dies, and
// reconnects (after a short random pause, then backing off between failed
// attempts), until
// Close, an expiry it may not recover from, or a rejected credential.
// first receives the outcome of the first session: nil once connected.
//
// While disconnected it also keeps the session deadline (see lostDeadline).
func (c *Conn) run(first chan<- error) {
	defer close(c.done)
	reported := false
	report := func(err error) {
		if !reported {
			reported = true
			first <- err
		}
	}
	failures := 0
	tlsRejections := 0 // consecutive, before the first session
	// deadline is when the session may have expired on the server while
	// this client is disconnected (zero while connected and before the
	// first session); lost says it has passed.
	var deadline time.Time
	lost := false
	for {
		if c.ctx.Err() != nil {
			c.shutdown()
			report(&Error{Kind: ErrClosed})
			return
		}
		if !lost && !deadline.IsZero() && !time.Now().Before(deadline) {
			lost = true
			c.sessionLost()
		}
		due := c.failOverdue() // when the next queued call has waited too long
		cut := deadline        // attempts are cut short at the deadline, once
		if lost {
			cut = time.Time{}
		}
		addr := c.hosts.pick()
		l, newSession, carry, err := c.connect(addr, false, cut)
		if err != nil && c.wantStandIn(err) && c.ctx.Err() == nil {
			// Perhaps a read-only server, which refuses our session but
			// can serve reads on one of its own (readonly.go).
			var serr error
			l, newSession, carry, serr = c.connect(addr, true, cut)
			if serr != nil {
				c.log.Debug("zk: no read-only stand-in session", "server", addr, "err", serr)
			} else {
				err = nil
			}
		}
		if err != nil {
			var ae *authError
			var se *saslError
			switch {
			case c.ctx.Err() != nil:
				continue // Close cut the attempt short; the loop top ends it
			case errors.Is(err, errSessionInvalid):
				c.expire(addr)
				if !c.cfg.NewSessionOnExpiry || c.isClosing() {
					report(&Error{Kind: proto.ErrSessionExpired})
					c.idleUntilClose()
					return
				}
				// Calls made while no session exists wait for the new one
				// for at most a session timeout, like those of a session
				// that may be lost.
				deadline, lost = c.lostDeadline(), false
				failures = 0
				continue // a fresh session, at once
			case errors.As(err, &ae), errors.As(err, &se):
				c.authFailed(addr, err)
				report(&Error{Kind: proto.ErrAuthFailed, Cause: err})
				c.idleUntilClose()
				return
			}
			c.mu.Lock()
			c.lastErr = err
			c.mu.Unlock()
			c.log.Debug("zk: connection attempt failed", "server", addr, "err", err)
			// A TLS setup that every server rejects (a certificate signed
			// by another CA, a wrong name, a client certificate missing)
			// is a configuration error, not an outage, and so is a plain
			// client on a TLS port: Dial reports it at once instead of
			// retrying until its context ends. Once a session exists,
			// such failures are retried like any other.
			if tlsRejected(err) || errors.Is(err, errExpectsTLS) {
				tlsRejections++
			} else {
				tlsRejections = 0
			}
			if !reported && tlsRejections >= len(c.cfg.Servers) {
				report(err)
				c.idleUntilClose()
				return
			}
			if lost {
				// Past the deadline, calls do not wait for a server that
				// may never come: those queued since the last attempt
				// fail with it (Java's rule for every failed attempt).
				c.failQueued(lossError(fmt.Errorf("%w; last attempt: %w", errLost, err), false))
			}
			if !lost && !deadline.IsZero() {
				// A handshake that re-attached the session before failing
				// restarted the server's timer: the deadline moves with it.
				deadline = c.lostDeadline()
				if !time.Now().Before(deadline) {
					continue // the deadline cut the attempt: report it at once
				}
			}
			failures++
			c.pause(backoff(failures), earliest(cut, due))
			continue
		}
		deadline, lost = time.Time{}, false
		established := time.Now()
		c.hosts.connected(addr)
		c.serve(l, newSession, carry, func() { report(nil) })
		if c.isClosing() {
			// The connection ended during Close (its closeSession was
			// answered, or Close gave up waiting): not a drop to recover.
			// Failing the queue now also releases a Close still waiting for
			// a closeSession that can no longer be sent.
			c.failQueued(&Error{Kind: ErrClosed})
			c.idleUntilClose()
			return
		}
		c.log.Info("zk: disconnected", "server", addr, "err", l.err)
		c.setState(proto.StateDisconnected, false)
		deadline = c.lostDeadline()
		// A connection that worked for a while is replaced after a short
		// random pause, so that clients cut at the same instant do not all
		// come back at the same instant. One that died right after its
		// handshake (a server that accepts and then drops us, or answers
		// garbage every time) counts as a failed attempt, so such a server
		// cannot make the client spin.
		if time.Since(established) >= healthyConnection {
			failures = 0
			c.pause(reconnectJitter(c.NegotiatedTimeout()), deadline)
			continue
		}
		failures++
		// Calls this connection did not carry count their wait from now
		// (failOverdue): the pause ends when the first of them is due.
		c.pause(backoff(failures), earliest(deadline, c.failOverdue()))
	}
}

// earliest returns the earlier of two times, zero meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// errLost is the cause of the connection loss that fails calls once the
// session deadline has passed.
var errLost = errors.New("no server heard from for the session timeout; the session may have expired (StateLost)")

// lostDeadline is when a disconnected client must assume that the server
// may have expired its session: the negotiated timeout after it last heard
// from a server (the server answered something the client sent, so it had
// heard from the client no earlier). Curator calls this LOST.
func (c *Conn) lostDeadline() time.Time {
	return time.Unix(0, c.heard.Load()).Add(c.sessionTimeout())
}

// sessionTimeout is the negotiated timeout, or the requested one before
// any was negotiated.
func (c *Conn) sessionTimeout() time.Duration {
	c.mu.Lock()
	timeout := c.negotiated
	c.mu.Unlock()
	if timeout == 0 {
		timeout = c.cfg.SessionTimeout
	}
	return timeout
}

// sessionLost handles the session deadline: a client still disconnected
// says StateLost (unless its session is known to be gone already), and
// every call still queued fails with connection loss, never sent, so
// SafeToRetry is true. Reconnecting goes on: it finds the session alive
// (StateSyncConnected) or expired (StateExpired).
func (c *Conn) sessionLost() {
	c.mu.Lock()
	st := c.state
	id := c.sessionID
	c.mu.Unlock()
	c.log.Info("zk: session deadline passed while disconnected", "session", sessionHex(id))
	// The state first, as for expiry: a caller whose call fails here reads
	// StateLost, never a stale Disconnected.
	if st == proto.StateDisconnected {
		c.setState(proto.StateLost, false)
	}
	c.failQueued(lossError(errLost, false))
}

// healthyConnection is how long a connection must last for its loss to be
// followed by an immediate reconnect rather than a backoff pause.
const healthyConnection = time.Second

// serve runs one established connection until it dies: it reports the new
// state, queues the watch restoration, starts the loops and waits for them.
// started is called once the connection can take calls.
func (c *Conn) serve(l *link, newSession, carry bool, started func()) {
	c.mu.Lock()
	c.cur, c.server = l, l.addr
	id := c.sessionID
	negotiated := c.negotiated
	standIn := c.ro.standIn
	c.mu.Unlock()
	if standIn != 0 {
		c.log.Info("zk: read-only server refused the session; reading through a stand-in session",
			"server", l.addr, "session", sessionHex(id), "standIn", sessionHex(standIn))
	}
	state := proto.StateSyncConnected
	if l.readOnly {
		state = proto.StateConnectedReadOnly
	}
	c.log.Info("zk: connected", "server", l.addr, "session", sessionHex(id),
		"newSession", newSession, "timeout", negotiated, "readOnly", l.readOnly)
	switch {
	case c.isClosing():
		// Close came during the handshake: this connection only carries
		// its closeSession (queued by Close); nobody is told of it.
	default:
		// Before the first frame is read: whatever the sink emits for the
		// connect precedes every event of this connection.
		c.setState(state, newSession)
		if (!newSession || carry) && c.cfg.Watches != nil {
			c.restoreWatches(c.cfg.Watches.WatchesToRestore())
		}
	}
	l.start()
	stopProbe := func() {}
	if l.readOnly {
		ctx, cancel := context.WithCancel(c.ctx)
		l.loops.Add(1)
		go func() { defer l.loops.Done(); c.probeReadWrite(ctx, l) }()
		stopProbe = cancel
	}
	c.wakeWriter() // calls queued while disconnected
	started()
	select {
	case <-l.dead:
	case <-c.ctx.Done():
		l.die(ErrClosed)
	}
	stopProbe()
	// Wait for both loops (and the prober): after this nothing touches the
	// connection, the FIFOs are empty, and the next writer may take over
	// c.xid.
	l.loops.Wait()
	c.mu.Lock()
	c.cur, c.server = nil, ""
	c.mu.Unlock()
	c.dropRestore()
}

// pause sleeps d, or less if Close comes or the time cut (if not zero)
// comes first.
func (c *Conn) pause(d time.Duration, cut time.Time) {
	if !cut.IsZero() {
		d = min(d, time.Until(cut))
	}
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.ctx.Done():
	}
}

// idleUntilClose parks a session that can no longer be used (expired,
// credentials rejected, or closing) until Close, then shuts it down.
func (c *Conn) idleUntilClose() {
	<-c.ctx.Done()
	c.shutdown()
}

// shutdown fails whatever is still queued with ErrClosed and reports
// StateClosed, the last transition.
func (c *Conn) shutdown() {
	c.mu.Lock()
	c.terminal = &Error{Kind: ErrClosed}
	id := c.sessionID
	c.mu.Unlock()
	c.failQueued(&Error{Kind: ErrClosed})
	c.log.Info("zk: closed", "session", sessionHex(id))
	c.setState(proto.StateClosed, false)
}

// expire handles a server's "session invalid" answer: the sink sees
// StateExpired, and calls still queued fail with ErrSessionExpired (calls
// that were in flight already failed with connection loss when their
// connection dropped, as in Java). Without NewSessionOnExpiry the session
// is over. With it, the sink is told first: every call submitted before
// the sink learns of the expiry is still queued then and fails with it;
// none goes out on the next session unannounced.
func (c *Conn) expire(addr string) {
	c.mu.Lock()
	id := c.sessionID
	c.resumable, c.passwd = false, nil
	c.ro = roState{}
	if !c.cfg.NewSessionOnExpiry {
		c.terminal = &Error{Kind: proto.ErrSessionExpired}
	}
	c.mu.Unlock()
	c.log.Info("zk: session expired", "session", sessionHex(id), "server", addr)
	c.setState(proto.StateExpired, false)
	c.failQueued(&Error{Kind: proto.ErrSessionExpired})
}

// authFailed handles a credential rejected while being replayed: the
// session can no longer act with the identity it had, so, as in Java, it
// is over: queued calls fail and nothing reconnects.
func (c *Conn) authFailed(addr string, err error) {
	c.mu.Lock()
	c.terminal = &Error{Kind: proto.ErrAuthFailed, Cause: err}
	id := c.sessionID
	c.mu.Unlock()
	c.log.Info("zk: authentication failed", "session", sessionHex(id), "server", addr, "err", err)
	c.failQueued(&Error{Kind: proto.ErrAuthFailed, Cause: err})
	c.setState(proto.StateAuthFailed, false)
}
