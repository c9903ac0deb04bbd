package conn

// Read-only mode (Config.CanBeReadOnly, protocol.md §2.4).
//
// A server that lost its quorum can serve reads, but since 3.7 it hands
// out only sessions local to itself and refuses ours (it closes the
// connection). So, while no read-write server can be reached:
//
//   - A session that a read-write server created is kept: the client asks
//     the read-only server for a stand-in session of its own, used by that
//     connection only (reads and watches work; writes fail with
//     NOTREADONLY), and presents its real session again to the next
//     read-write server. SessionID does not change; the real session
//     lives on only if a read-write server sees it again within its
//     timeout (else: expired, as after any partition). Close while on a
//     stand-in ends the stand-in, and ends the real session too if a
//     read-write server is reachable by then; else the real session
//     times out.
//   - A session created by a read-only server (the client started while
//     the quorum was down) is local to that server and never presented
//     elsewhere. The first read-write server gives the client a new
//     session: SessionID changes and the sink sees a Connected with
//     newSession, but the watches are carried over (re-registered from the
//     last zxid seen), as the old session could not have created anything.
//
// While connected read-only, a prober tries the other servers, with
// growing pauses, as the Java client's pingRwServer does, but with a real
// handshake instead of the "isro" four-letter word (not whitelisted by
// default, and not spoken over TLS): a ConnectRequest for a new session
// that a read-only server refuses. A read-write server answers it; the
// prober ends that spare session at once and moves the client there.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// roState is the read-only bookkeeping of a Conn. Guarded by Conn.mu.
type roState struct {
	// standIn is the id of the stand-in session the current connection
	// uses, 0 if it uses the real one.
	standIn int64
	// localSession: the current session was created by a read-only server.
	localSession bool
}

const (
	probeFirst = 200 * time.Millisecond
	probeCap   = 10 * time.Second
)

// wantStandIn reports whether a failed attempt on a server should be
// followed by one for a stand-in session: read-only mode is on, the
// session is one that read-only servers refuse, and the server closed
// the connection without a word (as a read-only one does).
func (c *Conn) wantStandIn(err error) bool {
	if !c.cfg.CanBeReadOnly || !errors.Is(err, io.EOF) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resumable
}

// probeReadWrite runs while l is a read-only connection: it tries the
// other servers in turn, pausing 200 ms, then twice as long each round up
// to 10 s, until one serves writes; then it points the host list there
// and drops l, so the session goroutine reconnects to it. It returns when
// l dies or ctx ends.
func (c *Conn) probeReadWrite(ctx context.Context, l *link) {
	servers := c.hosts.list()
	others := make([]string, 0, len(servers))
	for _, a := range servers {
		if a != l.addr {
			others = append(others, a)
		}
	}
	// The server we are on may get its quorum back too.
	others = append(others, l.addr)
	pause := probeFirst
	for {
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
		for _, addr := range others {
			err := c.probe(ctx, addr)
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				c.log.Info("zk: read-write server found; moving there", "server", addr, "from", l.addr)
				c.hosts.prefer(addr)
				l.die(fmt.Errorf("leaving read-only server %s for read-write server %s", l.addr, addr))
				return
			}
			c.log.Debug("zk: read-write probe", "server", addr, "err", err)
		}
		pause = min(pause*2, probeCap)
	}
}

var errReadOnlyServer = errors.New("read-only server")

// probe reports (nil) whether addr serves writes: it asks for a new
// session without accepting read-only ones, which a read-only server
// refuses; a read-write server's session is ended at once.
func (c *Conn) probe(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, c.connectTimeout(c.cfg.SessionTimeout))
	defer cancel()
	nc, resp, err := c.bareHandshake(ctx, addr, 0, make([]byte, 16))
	if err != nil {
		return err
	}
	defer nc.Close()
	if resp.TimeOut <= 0 || resp.ReadOnly {
		return errReadOnlyServer
	}
	closeSpareSession(nc)
	return nil
}

// closeOnReadWrite is Close's second step on a stand-in connection, whose
// closeSession ends only the stand-in: it presents the real session to
// the other servers in turn and ends it on the first read-write server
// that holds it, so that its ephemeral nodes go at once rather than after
// its timeout when such a server is reachable again but the prober has
// not moved there yet. Best effort, within ctx.
func (c *Conn) closeOnReadWrite(ctx context.Context, id int64, passwd []byte, skip string) {
	for _, addr := range c.cfg.Servers {
		if addr == skip || ctx.Err() != nil {
			continue
		}
		actx, cancel := context.WithTimeout(ctx, c.connectTimeout(c.cfg.SessionTimeout))
		nc, resp, err := c.bareHandshake(actx, addr, id, passwd)
		if err == nil {
			if resp.TimeOut > 0 && resp.SessionID == id && !resp.ReadOnly {
				closeSpareSession(nc)
				nc.Close()
				cancel()
				c.log.Debug("zk: closed the session on a read-write server", "server", addr, "session", sessionHex(id))
				return
			}
			nc.Close()
		}
		cancel()
	}
}

// bareHandshake dials addr and exchanges a ConnectRequest for session id
// (0: a new one), read-write only, with nothing else (no credentials): for
// probes and Close. The connection is returned open when err is nil; a
// bare ReplyHeader (a read-only server's refusal) is errReadOnlyServer.
func (c *Conn) bareHandshake(ctx context.Context, addr string, id int64, passwd []byte) (net.Conn, proto.ConnectResponse, error) {
	var resp proto.ConnectResponse
	nc, err := c.cfg.Dialer(ctx, "tcp", addr)
	if err != nil {
		return nil, resp, err
	}
	ok := false
	defer func() {
		if !ok {
			nc.Close()
		}
	}()
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(aLongTimeAgo) })
	defer stop()
	if c.cfg.TLS != nil {
		cfg := c.cfg.TLS.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(addr)
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, resp, err
		}
		nc = tc
	}
	req := proto.ConnectRequest{
		LastZxidSeen: c.lastZxid.Load(),
		TimeOut:      int32(c.cfg.SessionTimeout.Milliseconds()),
		SessionID:    id,
		Passwd:       passwd,
	}
	b, start := jute.BeginFrame(nil)
	b = req.AppendTo(b)
	jute.EndFrame(b, start)
	if _, err := nc.Write(b); err != nil {
		return nil, resp, err
	}
	frame, err := readHandshakeFrame(nc)
	if err != nil {
		return nil, resp, err
	}
	if len(frame) == proto.ReplyHeaderSize || proto.Unmarshal(frame, &resp) != nil {
		return nil, resp, errReadOnlyServer
	}
	ok = true
	return nc, resp, nil
}

// closeSpareSession ends a session made by a probe (or a stand-in attempt
// that met a read-write server), so that it does not linger on the
// server until its timeout: closeSession, and a short wait for the reply.
func closeSpareSession(nc net.Conn) {
	b, start := jute.BeginFrame(nil)
	h := proto.RequestHeader{Xid: 1, Type: proto.OpCloseSession}
	b = h.AppendTo(b)
	jute.EndFrame(b, start)
	nc.SetDeadline(time.Now().Add(time.Second))
	if _, err := nc.Write(b); err == nil {
		_, _ = readHandshakeFrame(nc)
	}
}
