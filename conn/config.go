package conn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/zkwire/zk/proto"
)

// Config configures Dial. Dial copies it; later changes have no effect.
type Config struct {
	// Servers are "host:port" addresses (IPv6 as "[::1]:2181"), one server
	// each, with a numeric port from 1 to 65535. Required. Host names are
	// resolved again on every connection attempt. Dial refuses a malformed
	// address at once (ErrInvalidArgument), including a Java-style connect
	// string: several servers joined by commas, or a chroot suffix
	// ("host:2181/app"; set Chroot instead).
	Servers []string
	// SessionTimeout is the timeout requested from the server; it may
	// grant another (NegotiatedTimeout). Default 10 s.
	SessionTimeout time.Duration
	// ConnectTimeout bounds one connection attempt (dial and handshake).
	// Zero: the session timeout divided among the servers, at least 1 s
	// (the Java client's rule).
	ConnectTimeout time.Duration
	// Chroot is "" or an absolute path without a trailing slash ("/app"),
	// already validated by the caller. "/" means none.
	Chroot string
	// Dialer dials one server; default a net.Dialer. The context carries
	// the connect timeout and Close.
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLS, if set, wraps every connection with tls.Client; the TLS
	// handshake counts against the connect timeout. An empty ServerName is
	// filled in from the address being dialed.
	TLS *tls.Config
	// CanBeReadOnly asks for (and accepts) read-only servers that lost
	// their quorum; the state is then StateConnectedReadOnly.
	CanBeReadOnly bool
	// MaxPacketSize is the largest request payload; bigger requests fail in
	// Submit with ErrPacketTooLarge instead of making the server drop the
	// connection. Default 1,048,575, the server's default jute.maxbuffer.
	MaxPacketSize int
	// MaxReplySize is the largest reply frame accepted; a bigger one is
	// read and discarded unallocated, and fails only its own call with
	// ErrReplyTooLarge (a length over 1 GiB closes the connection).
	// Default 16 MiB: replies can exceed the server's request limit.
	MaxReplySize int
	// Auth is sent on every connection, before any other request.
	Auth []AuthInfo
	// SASL, if set, logs in with SASL DIGEST-MD5 on every connection,
	// after Auth and before any other request. A refused login ends the
	// session with StateAuthFailed (Dial returns proto.ErrAuthFailed).
	SASL *SASL
	// NewSessionOnExpiry makes the client open a fresh session by itself
	// after expiry (StateExpired, then StateSyncConnected with newSession
	// true and a new SessionID) instead of staying expired.
	NewSessionOnExpiry bool
	// Logger receives connects, drops and expiry at Info, attempts and
	// protocol details at Debug. nil is silent. Credentials are never logged.
	Logger *slog.Logger
	// HostProvider, if set, picks the server of every connection attempt
	// instead of the shuffled round-robin over Servers. Servers is still
	// required: it sizes the connect timeout (one session timeout shared
	// by len(Servers) attempts) and is the list the provider starts from.
	HostProvider HostProvider
	// Events learns of notifications and state changes; may be nil.
	Events EventSink
	// Watches says what to re-register after a reconnect; may be nil.
	Watches WatchProvider
}

// HostProvider chooses servers for a client whose server list changes at
// run time (a discovery service, DNS SRV records). Both methods are called
// from the session goroutine, one at a time, and must not block for long:
// the client is disconnected meanwhile.
type HostProvider interface {
	// Next returns the "host:port" to try next; it is called once per
	// connection attempt. Returning the same address again is allowed: the
	// client's backoff bounds the attempt rate.
	Next() string
	// Connected tells the provider that a connection to addr established
	// (or re-established) the session.
	Connected(addr string)
}

// AuthInfo is one credential, sent as an AuthPacket (e.g. scheme "digest",
// Auth "user:password").
type AuthInfo struct {
	Scheme string
	Auth   []byte
}

// EventSink learns what the connection learns. Both methods are called from
// the connection's goroutines and must not block (a slow sink delays pings
// and can cost the session) nor call Close (which waits for those
// goroutines).
type EventSink interface {
	// Notification is called on the receive loop for each watch
	// notification (xid -1), in server order, before any later reply is
	// completed. ev.Path is already relative to the chroot (the chroot
	// itself becomes "/"; a path outside it is passed unchanged and logged).
	Notification(ev proto.WatcherEvent)
	// StateChange is called for every transition, in order, from one
	// goroutine at a time: StateSyncConnected (or StateConnectedReadOnly),
	// StateDisconnected, StateLost (the session deadline passed while
	// disconnected; see the package doc), StateExpired, StateAuthFailed,
	// StateClosed.
	// sessionID is the session the state concerns (the expired one for
	// StateExpired; 0 before the first session).
	// newSession is true on the Connected that starts a session (the first
	// one, or one after expiry with NewSessionOnExpiry). For a (re)connect
	// it is called before the connection's first frame is read and before
	// watches are restored, so whatever the sink emits for it precedes
	// every event from the new connection.
	StateChange(s proto.State, sessionID int64, newSession bool)
}

// WatchSet lists watched paths (relative to the chroot) to re-register.
type WatchSet struct {
	Data, Exist, Child, Persistent, Recursive []string
}

// WatchProvider says what to re-register after a reconnect.
type WatchProvider interface {
	// WatchesToRestore is called on the session goroutine after each
	// reconnect to an existing session (never for a new one), after the
	// credentials are replayed and StateChange has been called, before any
	// queued request is sent. The groups are sent in order.
	WatchesToRestore() []WatchSet
}

// RestoreObserver may be implemented by a WatchProvider that must know
// how a restore went.
//
// WatchesRestored is called on the receive loop when the last SetWatches
// packet of a restore is answered or fails: every catch-up event of that
// restore has been passed to Notification before it.
//
// WatchesNotRestored names watches the server will not hold on this
// session, so they would never fire again: set is one packet's lists as
// WatchesToRestore gave them (relative to the chroot). It is called on the
// receive loop when the server refuses a packet with an error code (err is
// that proto.Code), and on the session goroutine, before the loops start,
// for a packet that cannot be sent at all (a single path longer than the
// packet limit; err wraps ErrPacketTooLarge). A packet lost with its
// connection is not reported: the next connection restores it afresh.
type RestoreObserver interface {
	WatchesRestored()
	WatchesNotRestored(set WatchSet, err error)
}

const (
	defaultSessionTimeout = 10 * time.Second
	defaultMaxPacket      = 0xfffff // the server's jute.maxbuffer
	defaultMaxReply       = 16 << 20
)

// normalize validates cfg and fills in defaults. It copies the slices it
// keeps, so the caller may reuse its own.
func (cfg Config) normalize() (Config, error) {
	if len(cfg.Servers) == 0 {
		return cfg, invalidConfig("no servers")
	}
	cfg.Servers = append([]string(nil), cfg.Servers...)
	for _, s := range cfg.Servers {
		if err := checkServer(s); err != nil {
			return cfg, err
		}
	}
	switch {
	case cfg.SessionTimeout < 0:
		return cfg, invalidConfig("negative session timeout %v", cfg.SessionTimeout)
	case cfg.SessionTimeout == 0:
		cfg.SessionTimeout = defaultSessionTimeout
	case cfg.SessionTimeout.Milliseconds() > 1<<31-1:
		return cfg, invalidConfig("session timeout %v does not fit the protocol", cfg.SessionTimeout)
	}
	if cfg.ConnectTimeout < 0 {
		return cfg, invalidConfig("negative connect timeout %v", cfg.ConnectTimeout)
	}
	if cfg.Chroot == "/" {
		cfg.Chroot = ""
	}
	if cfg.Chroot != "" && (!strings.HasPrefix(cfg.Chroot, "/") || strings.HasSuffix(cfg.Chroot, "/")) {
		return cfg, invalidConfig("chroot %q: want an absolute path without a trailing slash", cfg.Chroot)
	}
	if cfg.MaxPacketSize < 0 || cfg.MaxReplySize < 0 {
		return cfg, invalidConfig("negative packet limit")
	}
	if cfg.MaxPacketSize == 0 {
		cfg.MaxPacketSize = defaultMaxPacket
	}
	if cfg.MaxReplySize == 0 {
		cfg.MaxReplySize = defaultMaxReply
	}
	if cfg.MaxReplySize < proto.ReplyHeaderSize {
		cfg.MaxReplySize = proto.ReplyHeaderSize
	}
	if cfg.Dialer == nil {
		var d net.Dialer
		cfg.Dialer = d.DialContext
	}
	if cfg.SASL != nil {
		s := *cfg.SASL
		if s.User == "" {
			return cfg, invalidConfig("SASL login without a user name")
		}
		if s.Service == "" {
			s.Service = defaultSASLService
		}
		if s.Host == "" {
			s.Host = defaultSASLHost
		}
		cfg.SASL = &s
	}
	auth := make([]AuthInfo, 0, len(cfg.Auth))
	for _, a := range cfg.Auth {
		auth = appendAuth(auth, a)
	}
	cfg.Auth = auth
	return cfg, nil
}

// ErrInvalidArgument: Dial refused its Config (a malformed server address,
// a negative timeout, ...) before dialing anything. The root package's
// zk.ErrInvalidArgument is this error.
var ErrInvalidArgument = errors.New("zk: invalid argument")

func invalidConfig(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidArgument}, args...)...)
}

// checkServer refuses what cannot be one server's address, rather than
// letting the session goroutine retry it until Dial's context ends.
func checkServer(s string) error {
	bad := func(why string, args ...any) error {
		return invalidConfig("server address %q: "+why, append([]any{s}, args...)...)
	}
	switch {
	case strings.Contains(s, ","):
		return bad("a connect string of several servers: give each \"host:port\" as its own element")
	case strings.Contains(s, "/"):
		return bad("a chroot suffix is not part of a server address: set the chroot apart (zk.WithChroot(%q), Config.Chroot)", s[strings.Index(s, "/"):])
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		var aerr *net.AddrError
		if errors.As(err, &aerr) && aerr.Err == "too many colons in address" {
			return bad("an IPv6 literal goes in brackets, as \"[::1]:2181\"")
		}
		return bad("want host:port (%v)", err)
	}
	if host == "" || strings.ContainsAny(host, " \t\r\n") {
		return bad("empty or blank host")
	}
	if strings.HasSuffix(host, "%") {
		return bad("an IPv6 zone after %% must not be empty, as in \"[fe80::1%%eth0]:2181\"")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return bad("port %q: want a number from 1 to 65535", port)
	}
	return nil
}

// appendAuth adds a copy of a to list unless an equal credential is there.
func appendAuth(list []AuthInfo, a AuthInfo) []AuthInfo {
	for _, x := range list {
		if x.Scheme == a.Scheme && string(x.Auth) == string(a.Auth) {
			return list
		}
	}
	return append(list, AuthInfo{Scheme: a.Scheme, Auth: append([]byte(nil), a.Auth...)})
}

// nopHandler makes a nil Logger silent at the cost of one Enabled call
// (slog.DiscardHandler needs Go 1.24; the module targets 1.23).
type nopHandler struct{}

func (nopHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (nopHandler) Handle(context.Context, slog.Record) error { return nil }
func (h nopHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h nopHandler) WithGroup(string) slog.Handler           { return h }
