package conn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkwire/zk/proto"
)

// Conn is one ZooKeeper session. Its methods are safe for concurrent use.
type Conn struct {
	cfg    Config       // immutable after Dial
	log    *slog.Logger // immutable; never nil
	chroot Chroot       // immutable
	hosts  *hostList    // owned by the session goroutine

	// ctx is cancelled by Close: it cuts dials, handshakes and backoff
	// pauses short and tells the session goroutine to stop.
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{} // capacity 1: the queue has work for the writer
	done   chan struct{} // closed when the session goroutine has ended
	// sigs recycles waiters' completion channels (see Call.sig): one pool per
	// Conn, so a channel stays with the goroutines that use this Conn
	// (testing/synctest forbids sharing one across bubbles).
	sigs sync.Pool

	// lastZxid is the zxid of the latest normal reply (see zxidTracker in
	// recv.go): written only by the reader goroutine, read anywhere.
	lastZxid atomic.Int64
	// heard is when a server was last heard from (any frame, a ping reply
	// or the handshake's answer), in Unix nanoseconds: written by the
	// reader and the handshake, read by the session goroutine, whose
	// session deadline counts from it (session.go).
	heard atomic.Int64
	// xid is the last normal xid used. Owned by the writer goroutine of the
	// current connection; the session goroutine hands it from one writer to
	// the next (it waits for a connection's loops before starting another).
	xid int32

	mu         sync.Mutex
	queue      []*Call       // submitted, not yet taken by a writer, in order; guarded by mu
	state      proto.State   // guarded by mu
	sessionID  int64         // current (or last) session; guarded by mu
	passwd     []byte        // guarded by mu
	resumable  bool          // sessionID may be presented on reconnect; guarded by mu
	negotiated time.Duration // guarded by mu
	server     string        // address of the current connection, "" if none; guarded by mu
	auth       []AuthInfo    // replayed on every connection; guarded by mu
	cur        *link         // the current connection, nil between connections; guarded by mu
	// terminal, once set, fails every Submit: the session is over (expired,
	// authentication failed, closed). Guarded by mu.
	terminal error
	// closing is set when Close starts: only Close's own closeSession may
	// still be queued, and the end of the connection is not a drop to
	// recover from. Guarded by mu.
	closing bool
	lastErr error   // why the last connection attempt failed; guarded by mu
	ro      roState // read-only mode bookkeeping (readonly.go); guarded by mu

	closeOnce sync.Once
}

// Dial opens a session and returns once it is established. Unreachable
// servers are retried (round-robin with backoff) until ctx ends; then Dial
// returns ctx's error with the last attempt's failure, and no goroutine is
// left running. An authentication failure of cfg.Auth ends it at once.
// ctx bounds only Dial; the session lives until Close.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	c, first, err := start(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case err := <-first:
		if err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		c.Close()
		c.mu.Lock()
		last := c.lastErr
		c.mu.Unlock()
		if last != nil {
			return nil, fmt.Errorf("zk: no session: %w (last attempt: %w)", ctx.Err(), last)
		}
		return nil, ctx.Err()
	}
}

// State returns the session state: StateConnecting before the first
// session, then StateSyncConnected, StateConnectedReadOnly,
// StateDisconnected, StateLost, StateExpired, StateAuthFailed or
// StateClosed.
func (c *Conn) State() proto.State { c.mu.Lock(); defer c.mu.Unlock(); return c.state }

// SessionID returns the current session's id (after expiry without a new
// session, the expired one's; 0 before the first session).
func (c *Conn) SessionID() int64 { c.mu.Lock(); defer c.mu.Unlock(); return c.sessionID }

// SessionPassword returns a copy of the session's password.
func (c *Conn) SessionPassword() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.passwd...)
}

// NegotiatedTimeout returns the session timeout the server granted.
func (c *Conn) NegotiatedTimeout() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.negotiated
}

// LastZxid returns the zxid of the latest reply: what the next handshake
// presents as lastZxidSeen (a jump to a later epoch counts once a second
// reply confirms it).
func (c *Conn) LastZxid() int64 { return c.lastZxid.Load() }

// ServerAddr returns the address of the current connection, "" if none.
func (c *Conn) ServerAddr() string { c.mu.Lock(); defer c.mu.Unlock(); return c.server }

// Chroot returns the chroot this connection applies to notifications and
// watch restoration (request and response paths are the caller's job).
func (c *Conn) Chroot() Chroot { return c.chroot }

// AddAuth sends a credential on the current connection (or the next one,
// if disconnected). Once the server accepts it, it is replayed on every
// later connection (an identical credential is kept once). A rejected
// credential returns proto.ErrAuthFailed; the server then closes the
// connection and the client reconnects without it, keeping the session.
func (c *Conn) AddAuth(ctx context.Context, scheme string, auth []byte) error {
	info := AuthInfo{Scheme: scheme, Auth: auth}
	call := &Call{Op: proto.OpAuth, Req: &proto.AuthPacket{Scheme: scheme, Auth: auth}, auth: true}
	// Remembered on the receive loop, before the next frame is read: a
	// connection that drops right after the reply is replaced only after
	// this ran, so the next handshake replays the credential.
	call.OnReply = func(call *Call) {
		if call.Err == nil {
			c.mu.Lock()
			c.auth = appendAuth(c.auth, info)
			c.mu.Unlock()
		}
	}
	return c.Do(ctx, call)
}

// closeSessionWait bounds how long Close waits for the server to confirm
// closeSession before it just drops the connection.
const closeSessionWait = 2 * time.Second

// Close ends the session and returns when every goroutine has ended. If a
// session exists, it first sends closeSession (so the server deletes the
// session's ephemeral nodes at once) behind the calls already queued, and
// waits for its reply for up to 2 s. While disconnected (during a
// reconnect handshake, or between attempts), closeSession waits in the
// queue and goes out on the next connection, as in Java, if that comes
// within the same 2 s. On a read-only stand-in connection (readonly.go)
// that closeSession ends the stand-in; the session itself is ended on a
// read-write server if one answers within the same 2 s. Every call still
// queued or in flight then fails with ErrClosed, and the sink sees
// StateClosed. Idempotent.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		// A session the server may still hold: connected, or resumable
		// (a reconnect may be under way). Not before the first session
		// (Dial gave up), nor after expiry or a failed authentication.
		live := c.terminal == nil && (c.cur != nil || (c.resumable && c.sessionID != 0))
		// On a read-only stand-in, the connection's closeSession ends the
		// stand-in, not ours: ours is ended on a read-write server, if one
		// can be reached meanwhile (readonly.go).
		var real chan struct{}
		if live && c.cur != nil && c.ro.standIn != 0 {
			real = make(chan struct{})
			id, pw, skip := c.sessionID, slices.Clone(c.passwd), c.server
			ctx, cancel := context.WithTimeout(c.ctx, closeSessionWait)
			go func() {
				defer close(real)
				defer cancel()
				c.closeOnReadWrite(ctx, id, pw, skip)
			}()
		}
		c.closing = true
		c.mu.Unlock()
		if live {
			call := &Call{Op: proto.OpCloseSession}
			if c.submit(call, true) == nil {
				t := time.NewTimer(closeSessionWait)
				select {
				case <-call.Done():
				case <-t.C:
					c.log.Debug("zk: no reply to closeSession")
				}
				t.Stop()
			}
		}
		if real != nil {
			<-real // bounded by closeSessionWait
		}
		c.cancel()
	})
	<-c.done
	return nil
}

// isClosing reports whether Close has started.
func (c *Conn) isClosing() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.closing }

// dropError is how calls on a dead connection fail: ErrClosed during
// Close, connection loss otherwise.
func (c *Conn) dropError(cause error) error {
	if c.isClosing() {
		if errors.Is(cause, ErrClosed) {
			cause = nil
		}
		return &Error{Kind: ErrClosed, Cause: cause, Sent: true}
	}
	return lossError(cause, true)
}

// setState records a transition and tells the sink, with the session it
// concerns. Only the session
// goroutine calls it, so the sink sees transitions in order.
func (c *Conn) setState(s proto.State, newSession bool) {
	c.mu.Lock()
	c.state = s
	id := c.sessionID
	c.mu.Unlock()
	c.log.Debug("zk: state", "state", s.String(), "newSession", newSession)
	if c.cfg.Events != nil {
		c.cfg.Events.StateChange(s, id, newSession)
	}
}

// sessionHex formats a session id the way ZooKeeper logs it.
func sessionHex(id int64) string { return fmt.Sprintf("0x%x", uint64(id)) }
