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
//     stand-in ends the stand-in; the real session then times out.
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
	ctx, cancel := context.WithTimeout(ctx, connectTimeout(c.cfg.SessionTimeout, c.hosts.size()))
	defer cancel()
	nc, err := c.cfg.Dialer(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(aLongTimeAgo) })
	defer stop()
	if c.cfg.TLS != nil {
		cfg := c.cfg.TLS.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(addr)
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return err
		}
		nc = tc
	}
	req := proto.ConnectRequest{
		LastZxidSeen: c.lastZxid.Load(),
		TimeOut:      int32(c.cfg.SessionTimeout.Milliseconds()),
		Passwd:       make([]byte, 16),
	}
	b, start := jute.BeginFrame(nil)
	b = req.AppendTo(b)
	jute.EndFrame(b, start)
	if _, err := nc.Write(b); err != nil {
		return err
	}
	frame, err := readHandshakeFrame(nc)
	if err != nil {
		return err
	}
	var resp proto.ConnectResponse
	if len(frame) == proto.ReplyHeaderSize || proto.Unmarshal(frame, &resp) != nil || resp.TimeOut <= 0 {
		return errReadOnlyServer
	}
	if resp.ReadOnly {
		return errReadOnlyServer
	}
	closeSpareSession(nc)
	return nil
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
