// Package conn is the session engine of the zk client: one ZooKeeper
// session over TCP (optionally TLS), kept across connection loss.
//
// It dials a server from its list, shakes hands, replays credentials,
// re-registers watches (asking a WatchProvider which), and then runs one
// writer goroutine (coalescing queued requests into one write, pinging when
// idle) and one reader goroutine (matching replies to the pending FIFO,
// handing notifications to an EventSink) per connection. A session
// goroutine owns state changes and reconnects.
//
// It knows nothing of watch semantics; package watchmgr does. SDKs can use
// it alone to pipeline raw proto records: Submit queues a Call and returns
// at once; its Done channel (or its OnReply hook) reports the reply.
package conn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkwire/zk/proto"
)

// Config configures Dial.
type Config struct {
	Servers        []string      // "host:port" (IPv6 "[::1]:2181"); required
	SessionTimeout time.Duration // requested; default 10 s
	Chroot         string        // "" or e.g. "/app", already validated
	// Dialer dials one server; default net.Dialer. Host names are
	// resolved on every attempt.
	Dialer        func(ctx context.Context, network, addr string) (net.Conn, error)
	TLS           *tls.Config // if set, every connection is TLS
	CanBeReadOnly bool        // accept read-only servers
	MaxPacketSize int         // largest request payload; default 1,048,575 (the server's jute.maxbuffer)
	MaxReplySize  int         // largest reply frame; default 16 MiB
	Auth          []AuthInfo  // sent on every connection before any other request
	// NewSessionOnExpiry opens a fresh session after expiry (state Expired,
	// then Connected with newSession true) instead of staying expired.
	NewSessionOnExpiry bool
	Logger             *slog.Logger  // nil: silent
	Events             EventSink     // may be nil
	Watches            WatchProvider // may be nil
}

// AuthInfo is one credential (an AuthPacket).
type AuthInfo struct {
	Scheme string
	Auth   []byte
}

// EventSink learns what the connection learns. Its methods are called
// from the connection's goroutines and must not block.
type EventSink interface {
	// Notification is called on the receive loop for each watch
	// notification, in server order, before any later reply completes.
	// The path is already relative to the chroot.
	Notification(ev proto.WatcherEvent)
	// StateChange is called for every transition, in order. For a
	// (re)connect it is called before the connection's first frame is read
	// and before watches are restored. newSession is true on the Connected
	// that starts a session (the first one, or one after expiry).
	StateChange(s proto.State, newSession bool)
}

// WatchSet lists paths (relative to the chroot) to re-register.
type WatchSet struct {
	Data, Exist, Child, Persistent, Recursive []string
}

// WatchProvider says what to re-register after a reconnect.
type WatchProvider interface {
	// WatchesToRestore is called after each reconnect to an existing
	// session, after StateChange, before any queued request is sent.
	// Groups are sent in order.
	WatchesToRestore() []WatchSet
}

const (
	defaultSessionTimeout = 10 * time.Second
	defaultMaxPacket      = 0xfffff
	defaultMaxReply       = 16 << 20
	maxBackoff            = time.Second
	setWatchesBatch       = 128 * 1024 // ZOOKEEPER-706
)

// Conn is one ZooKeeper session.
type Conn struct {
	cfg    Config
	log    *slog.Logger
	chroot Chroot
	hosts  []string // shuffled once

	wake     chan struct{} // capacity 1: the queue has work for the writer
	closing  chan struct{} // closed by Close
	done     chan struct{} // closed when the session goroutine has ended
	lastZxid atomic.Int64

	mu        sync.Mutex
	queue     []*Call       // submitted, not yet written; guarded by mu
	xid       int32         // last normal xid; guarded by mu
	state     proto.State   // guarded by mu
	sessionID int64         // guarded by mu
	passwd    []byte        // guarded by mu
	timeout   time.Duration // negotiated; guarded by mu
	server    string        // current server address; guarded by mu
	seenRW    bool          // ever connected to a read-write server; guarded by mu
	auth      []AuthInfo    // replayed on every connection; guarded by mu
	cur       *link         // current connection; guarded by mu
	terminal  error         // set when the session can no longer be used; guarded by mu
	// closeRequested is set when Close starts: the connection's end after
	// closeSession is then not a drop to recover from. Guarded by mu.
	closeRequested bool
	closeOnce      sync.Once
}

// Dial opens a session and returns once it is established, or when ctx
// ends (then nothing is left running). Failures to reach a server are
// retried until ctx ends; an authentication failure ends it at once.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	if len(cfg.Servers) == 0 {
		return nil, errors.New("zk: no servers")
	}
	for _, s := range cfg.Servers {
		if _, _, err := net.SplitHostPort(s); err != nil {
			return nil, fmt.Errorf("zk: server address %q: %w", s, err)
		}
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = defaultSessionTimeout
	}
	if cfg.MaxPacketSize <= 0 {
		cfg.MaxPacketSize = defaultMaxPacket
	}
	if cfg.MaxReplySize <= 0 {
		cfg.MaxReplySize = defaultMaxReply
	}
	if cfg.Dialer == nil {
		var d net.Dialer
		cfg.Dialer = d.DialContext
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(discard{}, &slog.HandlerOptions{Level: slog.Level(127)}))
	}
	c := &Conn{
		cfg: cfg, log: log, chroot: Chroot(cfg.Chroot),
		wake: make(chan struct{}, 1), closing: make(chan struct{}), done: make(chan struct{}),
		state: proto.StateConnecting,
		auth:  append([]AuthInfo(nil), cfg.Auth...),
	}
	c.hosts = append([]string(nil), cfg.Servers...)
	rand.Shuffle(len(c.hosts), func(i, j int) { c.hosts[i], c.hosts[j] = c.hosts[j], c.hosts[i] })
	first := make(chan error, 1)
	go c.run(first)
	select {
	case err := <-first:
		if err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		c.Close()
		return nil, ctx.Err()
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// State returns the session state.
func (c *Conn) State() proto.State { c.mu.Lock(); defer c.mu.Unlock(); return c.state }

// SessionID returns the session id (0 before the first session).
func (c *Conn) SessionID() int64 { c.mu.Lock(); defer c.mu.Unlock(); return c.sessionID }

// SessionPassword returns a copy of the session password.
func (c *Conn) SessionPassword() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.passwd...)
}

// NegotiatedTimeout returns the session timeout the server granted.
func (c *Conn) NegotiatedTimeout() time.Duration { c.mu.Lock(); defer c.mu.Unlock(); return c.timeout }

// LastZxid returns the highest zxid seen in a reply.
func (c *Conn) LastZxid() int64 { return c.lastZxid.Load() }

// ServerAddr returns the server of the current connection, "" if none.
func (c *Conn) ServerAddr() string { c.mu.Lock(); defer c.mu.Unlock(); return c.server }

// Chroot returns the chroot applied by this connection.
func (c *Conn) Chroot() Chroot { return c.chroot }

func (c *Conn) noteZxid(z int64) {
	for {
		cur := c.lastZxid.Load()
		if z <= cur || c.lastZxid.CompareAndSwap(cur, z) {
			return
		}
	}
}

// terminalErr says why no call can be queued any more. Must hold mu.
func (c *Conn) terminalErr() error { return c.terminal }

// setState records a transition and tells the sink (outside mu).
func (c *Conn) setState(s proto.State, newSession bool) {
	c.mu.Lock()
	if c.state == s && s == proto.StateDisconnected {
		c.mu.Unlock()
		return
	}
	c.state = s
	c.mu.Unlock()
	c.log.Debug("zk state", "state", s.String())
	if c.cfg.Events != nil {
		c.cfg.Events.StateChange(s, newSession)
	}
}

// AddAuth sends credentials on the current connection and, once the server
// accepts them, keeps them for every later connection. A rejected scheme
// returns proto.ErrAuthFailed; the server then drops the connection and the
// client reconnects without it, keeping the session.
func (c *Conn) AddAuth(ctx context.Context, scheme string, auth []byte) error {
	info := AuthInfo{Scheme: scheme, Auth: append([]byte(nil), auth...)}
	call := &Call{Op: proto.OpAuth, Req: &proto.AuthPacket{Scheme: scheme, Auth: info.Auth}, auth: true}
	if err := c.Do(ctx, call); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.auth {
		if a.Scheme == info.Scheme && string(a.Auth) == string(info.Auth) {
			return nil
		}
	}
	c.auth = append(c.auth, info)
	return nil
}

// Close ends the session on the server (its ephemerals go at once), fails
// every queued and pending call with ErrClosed, and returns when every
// goroutine has ended. It is idempotent.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		connected := c.cur != nil && (c.state == proto.StateSyncConnected || c.state == proto.StateConnectedReadOnly)
		c.closeRequested = true
		c.mu.Unlock()
		if connected {
			// closeSession goes behind what is queued; its reply (or 2 s)
			// bounds the wait.
			call := &Call{Op: proto.OpCloseSession}
			if c.submit(call, true) == nil {
				select {
				case <-call.done:
				case <-time.After(2 * time.Second):
				}
			}
		}
		c.mu.Lock()
		if c.terminal == nil {
			c.terminal = ErrClosed
		}
		c.mu.Unlock()
		close(c.closing)
	})
	<-c.done
	return nil
}
