package conn

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// run is the session goroutine: it connects, serves one connection until
// it dies, and reconnects, until Close, an authentication failure, or an
// expiry it may not recover from. first receives the outcome of the first
// session (nil once connected).
func (c *Conn) run(first chan<- error) {
	defer close(c.done)
	reported := false
	report := func(err error) {
		if !reported {
			reported = true
			first <- err
		}
	}
	next, failures := 0, 0
	for {
		select {
		case <-c.closing:
			c.shutdown(nil)
			report(ErrClosed)
			return
		default:
		}
		addr := c.hosts[next%len(c.hosts)]
		next++
		l, newSession, readOnly, err := c.connect(addr)
		switch {
		case errors.Is(err, errExpired):
			c.expire()
			if !c.cfg.NewSessionOnExpiry {
				report(&Error{Kind: proto.ErrSessionExpired})
				<-c.closing
				c.shutdown(nil)
				return
			}
			continue // a new session, at once
		case errors.Is(err, errAuthFailed):
			c.mu.Lock()
			c.terminal = &Error{Kind: proto.ErrAuthFailed, Cause: err}
			c.mu.Unlock()
			c.failQueued(&Error{Kind: proto.ErrAuthFailed})
			c.setState(proto.StateAuthFailed, false)
			report(&Error{Kind: proto.ErrAuthFailed, Cause: err})
			<-c.closing
			c.shutdown(nil)
			return
		case err != nil:
			c.log.Debug("zk connect failed", "server", addr, "err", err)
			failures++
			if !c.backoff(failures) {
				c.shutdown(nil)
				report(ErrClosed)
				return
			}
			continue
		}
		failures = 0
		state := proto.StateSyncConnected
		if readOnly {
			state = proto.StateConnectedReadOnly
		}
		c.mu.Lock()
		c.cur, c.server = l, addr
		c.mu.Unlock()
		c.log.Info("zk connected", "server", addr, "session", fmt.Sprintf("0x%x", c.SessionID()), "readOnly", readOnly)
		c.setState(state, newSession)
		if !newSession && c.cfg.Watches != nil {
			c.restoreWatches(c.cfg.Watches.WatchesToRestore())
		}
		l.start()
		c.wakeWriter()
		report(nil)

		select {
		case <-l.dead:
		case <-c.closing:
			l.die(ErrClosed)
		}
		l.loops.Wait()
		c.mu.Lock()
		c.cur, c.server = nil, ""
		c.mu.Unlock()
		c.mu.Lock()
		closing := c.closeRequested
		c.mu.Unlock()
		if closing {
			<-c.closing // Close is on its way; the drop is its closeSession
		}
		pending, auth := l.takePending()
		failErr := lossError(l.err, true)
		if closing {
			failErr = &Error{Kind: ErrClosed, Sent: true}
		}
		for _, call := range append(pending, auth...) {
			call.complete(failErr)
		}
		if closing {
			c.shutdown(nil)
			return
		}
		c.log.Info("zk disconnected", "server", addr, "err", l.err)
		c.setState(proto.StateDisconnected, false)
		// Reconnect at once; the backoff applies to failed attempts.
	}
}

// shutdown fails whatever is queued and reports Closed.
func (c *Conn) shutdown(error) {
	c.mu.Lock()
	c.terminal = ErrClosed
	c.mu.Unlock()
	c.failQueued(&Error{Kind: ErrClosed})
	c.setState(proto.StateClosed, false)
}

// expire handles a server's "session invalid" answer.
func (c *Conn) expire() {
	c.log.Info("zk session expired", "session", fmt.Sprintf("0x%x", c.SessionID()))
	c.mu.Lock()
	if !c.cfg.NewSessionOnExpiry {
		c.terminal = &Error{Kind: proto.ErrSessionExpired}
	}
	c.sessionID, c.passwd = 0, nil
	c.mu.Unlock()
	c.failQueued(&Error{Kind: proto.ErrSessionExpired})
	c.setState(proto.StateExpired, false)
}

// backoff sleeps before the next attempt, with full jitter growing to
// maxBackoff, so an unreachable ensemble costs a bounded number of
// attempts per second. It reports false if Close came meanwhile.
func (c *Conn) backoff(failures int) bool {
	ceiling := 50 * time.Millisecond << min(failures, 5)
	if ceiling > maxBackoff {
		ceiling = maxBackoff
	}
	t := time.NewTimer(rand.N(ceiling) + time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.closing:
		return false
	}
}

// connect dials addr and shakes hands: ConnectRequest, ConnectResponse,
// then every credential, each answered before anything else is sent.
func (c *Conn) connect(addr string) (l *link, newSession, readOnly bool, err error) {
	timeout := c.cfg.SessionTimeout / time.Duration(len(c.hosts))
	if timeout < time.Second {
		timeout = time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Close cuts a connection attempt short.
	watch := make(chan struct{})
	defer close(watch)
	go func() {
		select {
		case <-c.closing:
			cancel()
		case <-watch:
		}
	}()
	nc, err := c.cfg.Dialer(ctx, "tcp", addr)
	if err != nil {
		return nil, false, false, err
	}
	ok := false
	defer func() {
		if !ok {
			nc.Close()
		}
	}()
	if c.cfg.TLS != nil {
		cfg := c.cfg.TLS.Clone()
		if cfg.ServerName == "" {
			host, _, _ := net.SplitHostPort(addr)
			cfg.ServerName = host
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, false, false, fmt.Errorf("zk: TLS handshake with %s: %w", addr, err)
		}
		nc = tc
	}
	dl, _ := ctx.Deadline()
	nc.SetDeadline(dl)

	c.mu.Lock()
	sid, pw := int64(0), make([]byte, 16)
	if c.seenRW && c.sessionID != 0 {
		sid, pw = c.sessionID, c.passwd
	}
	auth := append([]AuthInfo(nil), c.auth...)
	c.mu.Unlock()
	req := proto.ConnectRequest{
		LastZxidSeen: c.lastZxid.Load(),
		TimeOut:      int32(c.cfg.SessionTimeout.Milliseconds()),
		SessionID:    sid,
		Passwd:       pw,
		ReadOnly:     c.cfg.CanBeReadOnly,
	}
	b, start := jute.BeginFrame(nil)
	b = req.AppendTo(b)
	jute.EndFrame(b, start)
	for _, a := range auth {
		// Pipelined behind the handshake: the server buffers them until
		// the session is set up (protocol.md §2.3 item 8).
		b, start = jute.BeginFrame(b)
		h := proto.RequestHeader{Xid: proto.XidAuth, Type: proto.OpAuth}
		b = h.AppendTo(b)
		p := proto.AuthPacket{Scheme: a.Scheme, Auth: a.Auth}
		b = p.AppendTo(b)
		jute.EndFrame(b, start)
	}
	if _, err := nc.Write(b); err != nil {
		return nil, false, false, err
	}
	frame, err := readHandshakeFrame(nc)
	if err != nil {
		return nil, false, false, fmt.Errorf("zk: handshake with %s: %w", addr, err)
	}
	if len(frame) == proto.ReplyHeaderSize {
		// A read-only server refusing a session it cannot serve (§2.4).
		return nil, false, false, errReadOnly
	}
	var resp proto.ConnectResponse
	if err := proto.Unmarshal(frame, &resp); err != nil {
		return nil, false, false, protocolErr("connect response: %v", err)
	}
	if resp.TimeOut <= 0 {
		return nil, false, false, errExpired
	}
	for range auth {
		f, err := readHandshakeFrame(nc)
		if err != nil {
			return nil, false, false, fmt.Errorf("zk: auth reply from %s: %w", addr, err)
		}
		var h proto.ReplyHeader
		if err := proto.Unmarshal(f, &h); err != nil || h.Xid != proto.XidAuth {
			return nil, false, false, protocolErr("expected an auth reply, got %x", f)
		}
		if h.Err != 0 {
			return nil, false, false, fmt.Errorf("%w: %v", errAuthFailed, h.Err)
		}
	}
	nc.SetDeadline(time.Time{})
	negotiated := time.Duration(resp.TimeOut) * time.Millisecond
	c.mu.Lock()
	newSession = resp.SessionID != c.sessionID
	c.sessionID, c.passwd, c.timeout = resp.SessionID, resp.Passwd, negotiated
	if !resp.ReadOnly {
		c.seenRW = true
	}
	c.mu.Unlock()
	ok = true
	return newLink(c, nc, addr, negotiated), newSession, resp.ReadOnly, nil
}

// readHandshakeFrame reads one frame during the handshake, recognising a
// server that is not ZooKeeper (or expects TLS) by its first bytes.
func readHandshakeFrame(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("server closed the connection (it may be behind this client's zxid, read-only, or refusing connections)")
		}
		return nil, err
	}
	switch {
	case bytes.Equal(size[:], []byte("HTTP")):
		return nil, errors.New("server speaks HTTP, not the ZooKeeper protocol (wrong port?)")
	case size[0] == 0x15 || size[0] == 0x16:
		return nil, errors.New("server answered with TLS (use TLS for this port)")
	}
	n := binary.BigEndian.Uint32(size[:])
	if n < proto.ReplyHeaderSize || n > 4096 {
		return nil, protocolErr("handshake frame length %d", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// restoreWatches queues SetWatches packets ahead of every queued request,
// each under setWatchesBatch bytes of paths so the server accepts it.
func (c *Conn) restoreWatches(groups []WatchSet) {
	rel := c.lastZxid.Load()
	var calls []*Call
	for _, g := range groups {
		var cur proto.SetWatches2
		size := 0
		flush := func() {
			if size == 0 {
				return
			}
			// Every list non-null: a 3.8 server throws a
			// NullPointerException on a null (-1) vector here and registers
			// nothing; the Java client always sends empty lists.
			nn := func(l []string) []string {
				if l == nil {
					return []string{}
				}
				return l
			}
			call := &Call{Op: proto.OpSetWatches2, Req: &proto.SetWatches2{
				RelativeZxid: rel, DataWatches: nn(cur.DataWatches), ExistWatches: nn(cur.ExistWatches),
				ChildWatches: nn(cur.ChildWatches), PersistentWatches: nn(cur.PersistentWatches),
				PersistentRecursiveWatches: nn(cur.PersistentRecursiveWatches)}}
			if len(cur.PersistentWatches) == 0 && len(cur.PersistentRecursiveWatches) == 0 {
				// Servers before 3.6 know only SetWatches.
				call = &Call{Op: proto.OpSetWatches, Req: &proto.SetWatches{
					RelativeZxid: rel, DataWatches: nn(cur.DataWatches), ExistWatches: nn(cur.ExistWatches), ChildWatches: nn(cur.ChildWatches)}}
			}
			calls = append(calls, call)
			cur, size = proto.SetWatches2{}, 0
		}
		lists := []struct {
			in  []string
			out *[]string
		}{
			{g.Data, &cur.DataWatches}, {g.Exist, &cur.ExistWatches}, {g.Child, &cur.ChildWatches},
			{g.Persistent, &cur.PersistentWatches}, {g.Recursive, &cur.PersistentRecursiveWatches},
		}
		for i := range lists {
			for _, p := range lists[i].in {
				full := c.chroot.Prefix(p)
				if size > 0 && size+len(full) > setWatchesBatch {
					flush()
				}
				// flush reset cur: point at the fresh list again.
				out := [...]*[]string{&cur.DataWatches, &cur.ExistWatches, &cur.ChildWatches, &cur.PersistentWatches, &cur.PersistentRecursiveWatches}[i]
				*out = append(*out, full)
				size += len(full) + 4
			}
		}
		flush()
	}
	if len(calls) == 0 {
		return
	}
	for _, call := range calls {
		if err := call.encode(c.cfg.MaxPacketSize); err != nil {
			c.log.Error("zk: set-watches batch too large", "err", err)
			return
		}
		call.done = make(chan struct{})
	}
	c.mu.Lock()
	for _, call := range calls {
		call.setXid(c.newXid())
	}
	c.queue = append(calls, c.queue...)
	c.mu.Unlock()
	c.log.Debug("zk restoring watches", "packets", len(calls))
}
