package zk

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"github.com/zkwire/zk/conn"
)

// Option configures Connect. Options are applied in order and validated
// once; nothing can be changed after Connect.
type Option func(*config)

type config struct {
	conn           conn.Config
	chroot         string
	stateListeners []func(State)
	watchBuffer    int
	metrics        Metrics
	tracking       bool
}

// WithSessionTimeout sets the requested session timeout (default 10 s).
// The server clamps it to its own bounds; Client.SessionTimeout reports
// the negotiated value. The client uses it too: disconnected for that long
// since it last heard from a server, it reports StateLost and fails its
// queued calls (see "Connection loss and the session deadline" in the
// package doc).
func WithSessionTimeout(d time.Duration) Option {
	return func(c *config) { c.conn.SessionTimeout = d }
}

// WithConnectTimeout bounds one connection attempt: the dial, TLS and the
// session handshake (default: the session timeout divided among the
// servers, at least 1 s, as in the Java client). A longer bound suits a
// server reached over a very slow link; the session deadline still cuts
// the first attempts after a drop short.
func WithConnectTimeout(d time.Duration) Option {
	return func(c *config) { c.conn.ConnectTimeout = d }
}

// WithChroot makes every path relative to root ("/app"): requests are
// prefixed, and paths in results and events come back relative to it.
// This is the only way to set a chroot: Connect refuses a Java-style
// server address with a chroot suffix ("host:2181/app") with
// ErrInvalidArgument and a message pointing here, rather than guessing
// which of several suffixes applies.
func WithChroot(root string) Option { return func(c *config) { c.chroot = root } }

// WithAuth adds credentials (AddAuth) sent on every connection before any
// other request, e.g. WithAuth("digest", []byte("user:secret")).
func WithAuth(scheme string, auth []byte) Option {
	return func(c *config) {
		c.conn.Auth = append(c.conn.Auth, conn.AuthInfo{Scheme: scheme, Auth: append([]byte(nil), auth...)})
	}
}

// WithSASL logs in with SASL DIGEST-MD5 as user (a server configured with
// JAAS DigestLoginModule and the SASL authentication provider) on every
// connection, before any other request, so the session acts as
// "sasl:<user>" in ACLs (ACL{Perms, Id{Scheme: "sasl", ID: user}}). The
// client proves it knows the password without sending it, and checks that
// the server knows it too. A refused login (wrong password, unknown user)
// makes Connect fail with ErrAuthFailed, or, on a later reconnect, ends
// the session in StateAuthFailed with calls failing with ErrAuthFailed:
// the client does not retry a login that cannot succeed. The password is
// never logged.
func WithSASL(user, password string) Option {
	return func(c *config) { c.conn.SASL = &conn.SASL{User: user, Password: password} }
}

// WithTLS connects over TLS with this configuration (the server's
// secureClientPort; ZooKeeper 3.8 speaks TLS 1.2). The certificate is
// verified as usual: against cfg.RootCAs (the system pool if nil) and
// against cfg.ServerName, or, when it is empty, the host of each server
// address ("127.0.0.1" or "zk1.example.com"), so hostname verification is
// on by default. Put a client certificate in cfg.Certificates for servers
// that require one (ssl.clientAuth=need). If every server rejects the TLS
// handshake before the first session (unknown authority, wrong name,
// missing client certificate), Connect returns that error at once rather
// than retrying until its context ends; once connected, such failures
// are retried like any outage. Likewise, a client without WithTLS whose
// every server turns out to expect TLS (the port closes a plain
// connection but answers a TLS hello) fails Connect at once with an error
// saying so.
func WithTLS(cfg *tls.Config) Option { return func(c *config) { c.conn.TLS = cfg } }

// WithDialer replaces the TCP dialer (for proxies, tests, custom DNS).
func WithDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.conn.Dialer = dial }
}

// WithReadOnly lets the client use a server that lost its quorum and
// serves reads only: the state is then StateConnectedReadOnly, reads and
// watches work, writes fail with ErrNotReadOnly. Meanwhile the client
// probes the other servers (200 ms, then doubling up to 10 s) and moves to
// the first that serves writes again, by itself.
//
// ZooKeeper's read-only servers refuse existing sessions. A session made
// by a read-write server is therefore kept, not used: the client reads
// through a stand-in session of the read-only server, SessionID stays the
// same, and the real session (with its ephemeral nodes) is presented
// again to the next read-write server; it survives if that happens within
// its timeout. A session the client started on a read-only server (the
// quorum was already down) is local to that server: the first read-write
// server gives the client a new one, so SessionID changes (listeners see
// StateConnected for a new session), and its watches are carried over.
// Read-only servers need localSessionsEnabled=true (3.7+).
func WithReadOnly() Option { return func(c *config) { c.conn.CanBeReadOnly = true } }

// WithMaxPacketSize sets the largest request the client sends (default
// 1,048,575 bytes, the server's jute.maxbuffer). Larger requests fail with
// ErrPacketTooLarge before anything is sent.
func WithMaxPacketSize(n int) Option { return func(c *config) { c.conn.MaxPacketSize = n } }

// WithMaxReplySize sets the largest reply frame accepted (default 16 MiB;
// replies such as large children lists can exceed the request limit). A
// longer reply fails only its own call, with ErrReplyTooLarge.
func WithMaxReplySize(n int) Option { return func(c *config) { c.conn.MaxReplySize = n } }

// WithLogger logs connection events through l. The client is silent
// without it, and never logs credentials.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.conn.Logger = l } }

// WithStateListener calls f for every session state transition, in order,
// on a goroutine of its own (never the connection's receive loop). Close
// waits up to a second for it to take the last transitions; a listener
// that blocks longer is not waited for.
func WithStateListener(f func(State)) Option {
	return func(c *config) { c.stateListeners = append(c.stateListeners, f) }
}

// WithNewSessionOnExpiry makes the client open a fresh session by itself
// after its session expires: listeners see StateExpired, then
// StateConnected with a new SessionID. Nothing of the old session
// (ephemeral nodes, watches) comes back unless the application or a recipe
// puts it back. Without it an expired client stays expired.
func WithNewSessionOnExpiry() Option {
	return func(c *config) { c.conn.NewSessionOnExpiry = true }
}

// WithWatchBuffer sets the capacity of each watch's channel (default
// 1024). One slot is kept for the final event, so a persistent watch may
// hold n-1 undelivered events; the next one ends it with ErrWatchOverflow.
func WithWatchBuffer(n int) Option { return func(c *config) { c.watchBuffer = n } }

// HostProvider picks the server of each connection attempt; see
// WithHostProvider.
type HostProvider = conn.HostProvider

// WithHostProvider makes p choose the server of every connection attempt,
// for server lists that change at run time. The servers given to Connect
// are still required (they size the per-attempt connect timeout). Without
// it the client shuffles the servers once and walks them round-robin,
// resolving host names again on every attempt.
func WithHostProvider(p HostProvider) Option {
	return func(c *config) { c.conn.HostProvider = p }
}
