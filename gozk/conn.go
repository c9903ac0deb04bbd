package zk

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	root "github.com/zkwire/zk"
)

const (
	// eventChanSize is the event channel's capacity, as in go-zookeeper.
	eventChanSize = 6
	// defaultMaxRequest is go-zookeeper's send buffer (1.5 MiB): the
	// largest request it can encode.
	defaultMaxRequest = 1536 * 1024
)

// Dialer is a function to be used to establish a connection to a single host.
type Dialer func(network, address string, timeout time.Duration) (net.Conn, error)

// HostProvider is used to represent a set of hosts a ZooKeeper client should connect to.
// It is an analog of the Java equivalent:
// http://svn.apache.org/viewvc/zookeeper/trunk/src/java/main/org/apache/zookeeper/client/HostProvider.java?view=markup
type HostProvider interface {
	// Init is called first, with the servers specified in the connection string.
	Init(servers []string) error
	// Len returns the number of servers.
	Len() int
	// Next returns the next server to connect to. retryStart will be true if we've looped through
	// all known servers without Connected() being called.
	Next() (server string, retryStart bool)
	// Notify the HostProvider of a successful connection.
	Connected()
}

// connOption represents a connection option.
type connOption func(c *Conn)

// Conn is the client connection: go-zookeeper's API over one zkwire
// client, whose session it keeps across connection loss and expiry.
type Conn struct {
	upstreamTestHooks // empty; see upstream_hooks.go

	// Options, set before Connect starts anything.
	dialer        Dialer
	hostProvider  HostProvider
	eventCallback EventCallback
	logInfo       bool
	maxBufferSize int // largest reply; <= 0: no limit
	maxRequest    int // largest request (WithMaxConnBufferSize)

	logMu  sync.Mutex
	logger Logger // guarded by logMu (SetLogger)

	client *root.Client
	ready  chan struct{} // closed once client is set
	ctx    context.Context
	cancel context.CancelFunc

	// eventChan is the channel Connect returned; closed after Close.
	eventChan chan Event
	events    *eventQueue
	// sessionTimeoutMs is the requested timeout, then the negotiated one;
	// sessionID mirrors the session's id. Both are written before the
	// StateHasSession event that announces them (go-zookeeper's tests
	// read these fields).
	sessionTimeoutMs int32
	sessionID        int64
	// conn closes the current connection, as closing go-zookeeper's
	// net.Conn does: the client reconnects to the same session.
	conn *liveConn

	state atomic.Int32 // State, as last reported

	mu      sync.Mutex
	cur     State    // the state machine's state; guarded by mu
	server  string   // the server of the current or last attempt; guarded by mu
	nc      *tracked // the current connection; guarded by mu
	closing bool     // Close has started; guarded by mu
	// failed counts attempts that failed in the current round of attempts
	// (since the provider last said retryStart, or the last session);
	// round counts the rounds. Guarded by mu.
	failed  int
	round   uint64
	pending map[uint64]waiting
	nextID  uint64
	watches sync.WaitGroup

	closeOnce sync.Once
}

// ConnectWithDialer establishes a new connection to a pool of zookeeper servers
// using a custom Dialer. See Connect for further information about session timeout.
// This method is deprecated and provided for compatibility: use the WithDialer option instead.
func ConnectWithDialer(servers []string, sessionTimeout time.Duration, dialer Dialer) (*Conn, <-chan Event, error) {
	return Connect(servers, sessionTimeout, WithDialer(dialer))
}

// Connect establishes a new connection to a pool of zookeeper servers and
// returns at once: the session is set up in the background, and calls made
// meanwhile wait for it (or fail with ErrNoServer once every server has
// been tried in vain). The session timeout is how long the session
// survives without a connection. The returned channel reports session
// events (6 slots; when nobody reads, the oldest are dropped) and is
// closed by Close.
func Connect(servers []string, sessionTimeout time.Duration, options ...connOption) (*Conn, <-chan Event, error) {
	if len(servers) == 0 {
		return nil, nil, errors.New("zk: server list must not be empty")
	}
	srvs := FormatServers(servers)
	stringShuffle(srvs)
	c := &Conn{
		hostProvider:     NewDNSHostProvider(),
		logger:           DefaultLogger,
		logInfo:          true,
		maxRequest:       defaultMaxRequest,
		eventChan:        make(chan Event, eventChanSize),
		sessionTimeoutMs: int32(sessionTimeout / time.Millisecond),
		ready:            make(chan struct{}),
		cur:              StateDisconnected,
		pending:          make(map[uint64]waiting),
	}
	c.state.Store(int32(StateDisconnected))
	c.conn = &liveConn{c: c}
	for _, o := range options {
		o(c)
	}
	if err := c.hostProvider.Init(srvs); err != nil {
		return nil, nil, err
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.events = newEventQueue(c.eventChan, c.eventCallback)

	maxReply := math.MaxInt32 // go-zookeeper: unbounded unless asked
	if c.maxBufferSize > 0 {
		maxReply = c.maxBufferSize
	}
	opts := []root.Option{
		root.WithNewSessionOnExpiry(), // go-zookeeper opens a new session silently
		root.WithDialer(c.dial),
		root.WithHostProvider(rootHosts{c}),
		root.WithStateListener(c.rootState),
		root.WithLogger(slog.New(slogToPrintf{c: c})),
		root.WithMaxReplySize(maxReply),
		root.WithMaxPacketSize(c.maxRequest),
	}
	if sessionTimeout > 0 {
		// go-zookeeper dials for up to 1 s, then waits up to ten receive
		// timeouts (2/3 of the session timeout each) for the handshake.
		opts = append(opts, root.WithSessionTimeout(sessionTimeout),
			root.WithConnectTimeout(time.Second+sessionTimeout*20/3))
	}
	cl, err := root.ConnectBackground(srvs, opts...)
	if err != nil {
		c.cancel()
		c.events.close()
		return nil, nil, err
	}
	c.client = cl
	close(c.ready)
	return c, c.eventChan, nil
}

// WithDialer returns a connection option specifying a non-default Dialer.
func WithDialer(dialer Dialer) connOption {
	return func(c *Conn) { c.dialer = dialer }
}

// WithHostProvider returns a connection option specifying a non-default HostProvider.
func WithHostProvider(hostProvider HostProvider) connOption {
	return func(c *Conn) { c.hostProvider = hostProvider }
}

// WithLogger returns a connection option specifying a non-default Logger.
func WithLogger(logger Logger) connOption {
	return func(c *Conn) { c.logger = logger }
}

// WithLogInfo returns a connection option specifying whether or not information messages
// should be logged.
func WithLogInfo(logInfo bool) connOption {
	return func(c *Conn) { c.logInfo = logInfo }
}

// WithEventCallback returns a connection option that specifies an event
// callback. It is called for every event the channel gets, in order, on a
// goroutine of its own (never the connection's): a slow callback delays
// later events, not the connection.
func WithEventCallback(cb EventCallback) connOption {
	return func(c *Conn) { c.eventCallback = cb }
}

// WithMaxBufferSize sets the largest reply accepted from the server. A
// larger reply fails its call with ErrConnectionClosed and the reason is
// logged, as in go-zookeeper; unlike go-zookeeper, the connection and the
// other calls on it are not disturbed. Zero or negative: no
// limit, the default.
func WithMaxBufferSize(maxBufferSize int) connOption {
	return func(c *Conn) { c.maxBufferSize = maxBufferSize }
}

// WithMaxConnBufferSize sets the largest request sent (default 1.5 MiB);
// a larger one fails with ErrShortBuffer before anything is sent.
func WithMaxConnBufferSize(maxBufferSize int) connOption {
	return func(c *Conn) { c.maxRequest = maxBufferSize }
}

// Client returns the zkwire client underneath, to move code over to it
// gradually. It shares the session: closing it closes this Conn's session.
func (c *Conn) Client() *root.Client { return c.client }

// Close closes the session, fails calls in flight with
// ErrConnectionClosed, ends every watch with EventNotWatching (ErrClosing),
// reports StateDisconnected and then closes the event channel. It does not
// wait for the event callback. Idempotent.
func (c *Conn) Close() {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closing = true
		c.mu.Unlock()
		c.report(StateDisconnected)
		c.client.Close()
		c.cancel()
		c.watches.Wait() // their EventNotWatching precede the channel's close
		c.events.close()
	})
}

// State returns the current state of the connection.
func (c *Conn) State() State { return State(c.state.Load()) }

// SessionID returns the current session id of the connection.
func (c *Conn) SessionID() int64 { return c.client.SessionID() }

// Server returns the current or last-connected server name.
func (c *Conn) Server() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.server
}

// SetLogger sets the logger to be used for printing errors.
// Logger is an interface provided by this package.
func (c *Conn) SetLogger(l Logger) {
	c.logMu.Lock()
	c.logger = l
	c.logMu.Unlock()
}

func (c *Conn) logf(format string, args ...interface{}) {
	c.logMu.Lock()
	l := c.logger
	c.logMu.Unlock()
	if l != nil {
		l.Printf(format, args...)
	}
}

func (c *Conn) infof(format string, args ...interface{}) {
	if c.logInfo {
		c.logf(format, args...)
	}
}

// call runs f with a context that ends at Close, or when every server has
// been tried in vain while f waited (then it fails with ErrNoServer, as
// go-zookeeper fails unsent requests), and returns f's error bare.
func (c *Conn) call(f func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancelCause(c.ctx)
	defer cancel(nil)
	c.mu.Lock()
	id := c.nextID
	c.nextID++
	c.pending[id] = waiting{cancel: cancel, round: c.round}
	c.mu.Unlock()
	err := f(ctx)
	// go-zookeeper sends requests queued while disconnected on whatever
	// connection comes next, also a new session after expiry; the zkwire
	// client fails them instead (ErrSessionExpired, or connection loss once
	// they waited a session timeout). Such a request provably never left
	// the client, so sending it again is what go-zookeeper does; a whole
	// round of failed attempts still ends it with ErrNoServer (ctx).
	for i := 0; i < 10 && err != nil && ctx.Err() == nil && neverSent(err); i++ {
		err = f(ctx)
	}
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
	if err != nil {
		c.logTooLarge(err)
	}
	return bare(ctx, err)
}

// neverSent reports whether a failed call provably never left the client
// because of the session's state (expiry or a wait without a connection),
// so go-zookeeper would still have it queued.
func neverSent(err error) bool {
	return root.SafeToRetry(err) &&
		(errors.Is(err, root.ErrSessionExpired) || errors.Is(err, root.ErrConnectionLoss))
}

// waiting is a call in progress: how to fail it, and the round of
// connection attempts it started in.
type waiting struct {
	cancel context.CancelCauseFunc
	round  uint64
}

// rootHosts lets the HostProvider pick every server the client tries.
type rootHosts struct{ c *Conn }

// Next ends a round of attempts when the provider says every server has
// been tried (retryStart). If an attempt of the round failed, calls that
// have waited through the whole round fail with ErrNoServer, as
// go-zookeeper fails its unsent requests. go-zookeeper flushes on
// retryStart alone, so its first reconnect after a drop can fail the calls
// of a healthy single-server client, and a call queued an instant before
// the flush fails without any server having been tried for it.
func (h rootHosts) Next() string {
	addr, retryStart := h.c.hostProvider.Next()
	if retryStart {
		c := h.c
		c.mu.Lock()
		if c.failed > 0 {
			for id, w := range c.pending {
				if w.round < c.round {
					w.cancel(errNoServerRound)
					delete(c.pending, id)
				}
			}
		}
		c.failed = 0
		c.round++
		c.mu.Unlock()
	}
	return addr
}

func (h rootHosts) Connected(string) { h.c.hostProvider.Connected() }
