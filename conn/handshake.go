package conn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// maxHandshakeFrame bounds the frames read before the loops start
// (ConnectResponse: 36 or 37 bytes with a 16-byte password; auth replies:
// 16). Anything larger is not a ZooKeeper server talking.
const maxHandshakeFrame = 4096

// aLongTimeAgo is a deadline in the past: setting it makes every blocked
// read and write on the connection return at once.
var aLongTimeAgo = time.Unix(1, 0)

// connect makes one attempt on addr: dial, TLS, ConnectRequest and
// ConnectResponse, then the replay of every credential and the SASL login,
// each answered before anything else is sent (the server answers auth packets outside
// the request pipeline, protocol.md §3.3). All of it must fit in the
// connect timeout, and Close cuts it short. On success the returned link
// is ready to start; newSession says the server created a session rather
// than re-attaching ours, and carry that the watches of the session it
// replaces must be registered on it all the same (see readonly.go).
//
// With standIn (read-only mode, see readonly.go) the attempt asks for a
// session of its own from a read-only server that refused ours, and keeps
// ours to present again to the next read-write server.
//
// A non-zero cut (the session deadline, see session.go) ends the attempt
// at that time if it is earlier than the connect timeout: the session
// goroutine must be free to report StateLost on time.
func (c *Conn) connect(addr string, standIn bool, cut time.Time) (l *link, newSession, carry bool, err error) {
	c.mu.Lock()
	timeout := c.negotiated
	if timeout == 0 {
		timeout = c.cfg.SessionTimeout
	}
	// A session is presented again only once a read/write server has
	// accepted it (Java's seenRwServerBefore): one a read-only server
	// handed out is local to that server.
	sid, pw := int64(0), make([]byte, 16)
	if c.resumable && !standIn {
		sid, pw = c.sessionID, c.passwd
	}
	auth := slices.Clone(c.auth)
	never := c.sessionID == 0 // no session yet: a misconfiguration shows here
	c.mu.Unlock()

	limit := c.connectTimeout(timeout)
	end := time.Now().Add(limit)
	cutShort := !cut.IsZero() && cut.Before(end)
	if cutShort {
		end = cut
	}
	ctx, cancel := context.WithDeadline(c.ctx, end)
	defer cancel()
	raw, err := c.cfg.Dialer(ctx, "tcp", addr)
	if err != nil {
		return nil, false, false, fmt.Errorf("zk: dial %s: %w", addr, err)
	}
	// The context becomes a deadline: when it ends (connect timeout or
	// Close) every blocked read and write of the handshake returns.
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(aLongTimeAgo) })
	nc := raw
	ok := false
	defer func() {
		if !ok {
			stop()
			raw.Close()
		}
	}()
	// Explain a failure by the context when it caused it.
	fail := func(what string, err error) error {
		switch {
		case c.ctx.Err() != nil:
			return fmt.Errorf("zk: %s %s: %w", what, addr, ErrClosed)
		case ctx.Err() != nil && cutShort:
			return fmt.Errorf("zk: %s %s: cut short at the session deadline: %w", what, addr, err)
		case ctx.Err() != nil:
			return fmt.Errorf("zk: %s %s: not done within the connect timeout (%v): %w", what, addr, limit, err)
		}
		return fmt.Errorf("zk: %s %s: %w", what, addr, err)
	}

	if c.cfg.TLS != nil {
		cfg := c.cfg.TLS.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(addr)
		}
		tc := tls.Client(raw, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, false, false, fail("TLS handshake with", err)
		}
		nc = tc
	}

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
	// Nothing is pipelined behind the ConnectRequest: a server that closes
	// on an expired session would otherwise reset the connection over the
	// unread bytes, and the "expired" answer could be lost (Java does the
	// same).
	if _, err := nc.Write(b); err != nil {
		return nil, false, false, fail("send ConnectRequest to", err)
	}
	frame, err := readHandshakeFrame(nc)
	if err != nil {
		// A TLS-only port (Netty's secureClientPort) closes a plain
		// connection without a byte, like a server that is not serving.
		// Before a first session, ask it in TLS to tell the two apart.
		if never && c.cfg.TLS == nil && errors.Is(err, io.EOF) && c.speaksTLS(ctx, addr) {
			err = errExpectsTLS
		}
		return nil, false, false, fail("handshake with", err)
	}
	if len(frame) == proto.ReplyHeaderSize {
		// A read-only server that cannot give us a session answers with a
		// bare ReplyHeader (protocol.md §2.4): try the next server.
		var h proto.ReplyHeader
		_ = proto.Unmarshal(frame, &h)
		return nil, false, false, fmt.Errorf("zk: %s is a read-only server and refused the session (%v)", addr, h.Err)
	}
	var resp proto.ConnectResponse
	if err := proto.Unmarshal(frame, &resp); err != nil {
		return nil, false, false, fail("handshake with", protocolErr("undecodable ConnectResponse (% x): %v", frame, err))
	}
	if !standIn {
		// The server has re-attached our session (its timer restarts) or
		// said it is gone: either way the session deadline counts from
		// here.
		c.heard.Store(time.Now().UnixNano())
	}
	switch {
	case resp.TimeOut <= 0 && sid != 0:
		return nil, false, false, errSessionInvalid
	case resp.TimeOut <= 0:
		return nil, false, false, fail("handshake with", protocolErr("server refused to create a session"))
	case sid != 0 && resp.SessionID != sid:
		return nil, false, false, fail("handshake with", protocolErr("asked for session %s, got %s", sessionHex(sid), sessionHex(resp.SessionID)))
	case standIn && !resp.ReadOnly:
		// The server has its quorum back and made a session we do not
		// want: end it, and present ours on the next attempt.
		closeSpareSession(nc)
		return nil, false, false, fmt.Errorf("zk: %s serves writes again", addr)
	}

	if err := replayAuth(nc, auth); err != nil {
		var ae *authError
		if errors.As(err, &ae) {
			return nil, false, false, err
		}
		return nil, false, false, fail("replay credentials to", err)
	}
	if c.cfg.SASL != nil {
		if err := c.saslLogin(nc, c.cfg.SASL); err != nil {
			var se *saslError
			if errors.As(err, &se) {
				return nil, false, false, err
			}
			return nil, false, false, fail("SASL login with", err)
		}
	}
	if !stop() {
		// The deadline fired meanwhile and has been set in the past.
		return nil, false, false, fail("handshake with", context.DeadlineExceeded)
	}
	nc.SetDeadline(time.Time{})
	ok = true

	negotiated := time.Duration(resp.TimeOut) * time.Millisecond
	c.mu.Lock()
	if standIn {
		// Ours stays the session: only this connection uses the stand-in.
		c.negotiated = negotiated
		c.ro.standIn = resp.SessionID
		c.mu.Unlock()
		return newLink(c, nc, addr, negotiated, true), false, false, nil
	}
	newSession = sid == 0
	// A session a read-only server created is replaced by the first
	// read-write server's: carry its watches over (nothing else of it can
	// exist: it could not create anything).
	carry = newSession && c.ro.localSession && c.sessionID != 0
	c.sessionID, c.passwd, c.negotiated = resp.SessionID, resp.Passwd, negotiated
	c.ro.standIn = 0
	if !resp.ReadOnly {
		c.resumable = true
		c.ro.localSession = false
	} else if newSession {
		c.resumable = false
		c.ro.localSession = true
	}
	c.mu.Unlock()
	return newLink(c, nc, addr, negotiated, resp.ReadOnly), newSession, carry, nil
}

// replayAuth sends the credentials one by one, each answered (xid -4)
// before the next goes out: the server answers them outside the request
// pipeline, and one write of many large credentials could fill both
// directions' buffers while neither side reads. AUTHFAILED is an
// *authError. Rarely more than one or two, so the round trips are cheap.
func replayAuth(nc net.Conn, auth []AuthInfo) error {
	var b []byte
	for _, a := range auth {
		var start int
		b, start = jute.BeginFrame(b[:0])
		h := proto.RequestHeader{Xid: proto.XidAuth, Type: proto.OpAuth}
		b = h.AppendTo(b)
		p := proto.AuthPacket{Scheme: a.Scheme, Auth: a.Auth}
		b = p.AppendTo(b)
		jute.EndFrame(b, start)
		if _, err := nc.Write(b); err != nil {
			return err
		}
		f, err := readHandshakeFrame(nc)
		if err != nil {
			return err
		}
		var rh proto.ReplyHeader
		if err := proto.Unmarshal(f, &rh); err != nil || rh.Xid != proto.XidAuth {
			return protocolErr("expected the reply to a credential (xid -4), got % x", f[:min(len(f), 32)])
		}
		switch rh.Err {
		case 0:
		case proto.ErrAuthFailed:
			return &authError{scheme: a.Scheme}
		default:
			return fmt.Errorf("credential for scheme %q: %w", a.Scheme, rh.Err)
		}
	}
	return nil
}

// readHandshakeFrame reads one frame before the loops start, recognising a
// peer that is not a ZooKeeper server by its first bytes: an HTTP server
// (the AdminServer port, a proxy) or a TLS server (the secure client port).
func readHandshakeFrame(r io.Reader) ([]byte, error) {
	var size [4]byte
	if n, err := io.ReadFull(r, size[:]); err != nil {
		switch {
		case n > 0 && (size[0] == 0x15 || size[0] == 0x16):
			return nil, errExpectsTLS
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("server closed the connection without answering "+
				"(it may be read-only, behind this client's zxid, or refusing connections): %w", err)
		}
		return nil, err
	}
	switch {
	case string(size[:]) == "HTTP":
		return nil, protocolErr("server speaks HTTP, not the ZooKeeper protocol (wrong port?)")
	case size[0] == 0x15 || size[0] == 0x16:
		// A TLS alert (0x15) or handshake (0x16) record: our plain
		// ConnectRequest reached a TLS port.
		return nil, errExpectsTLS
	}
	n := binary.BigEndian.Uint32(size[:])
	if n < proto.ReplyHeaderSize || n > maxHandshakeFrame {
		return nil, protocolErr("handshake frame length %d (first bytes % x): not a ZooKeeper server?", n, size)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// tlsRejected reports whether a connection attempt failed because one side
// of the TLS handshake refused the other: this client's verification of
// the server certificate, or an alert from a server that refused ours.
func tlsRejected(err error) bool {
	var verr *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	// crypto/tls reports a peer's alert as a *net.OpError "remote error".
	var alert *net.OpError
	return errors.As(err, &verr) || errors.As(err, &unknown) || errors.As(err, &host) ||
		(errors.As(err, &alert) && alert.Op == "remote error")
}

// speaksTLS reports whether addr answers a TLS handshake: a TLS server
// hello, or a TLS alert refusing this client. It only looks: nothing is
// sent over the connection, so the certificate is not verified. A TLS
// server answers a client hello at once; one that says nothing within
// probeTLSWait (a plain server reading our hello as a huge frame) is not
// waited for any longer.
func (c *Conn) speaksTLS(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, probeTLSWait)
	defer cancel()
	raw, err := c.cfg.Dialer(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer raw.Close()
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(aLongTimeAgo) })
	defer stop()
	host, _, _ := net.SplitHostPort(addr)
	tc := tls.Client(raw, &tls.Config{ServerName: host, InsecureSkipVerify: true})
	err = tc.HandshakeContext(ctx)
	var alert *net.OpError
	return err == nil || (errors.As(err, &alert) && alert.Op == "remote error")
}

const probeTLSWait = time.Second

// errExpectsTLS: a plain connection reached a port that speaks TLS. Dial
// reports it at once if every server says so (see run).
var errExpectsTLS = protocolErr("the server expects TLS on this port: connect with TLS (zk.WithTLS, Config.TLS) or use its plain client port")
