package zk

import (
	"context"
	"sync"
	"time"

	"github.com/zkwire/zk/conn"
	"github.com/zkwire/zk/internal/mailbox"
	"github.com/zkwire/zk/proto"
	"github.com/zkwire/zk/watchmgr"
)

// Client is a ZooKeeper client: one session, reconnected by itself across
// servers until Close or session expiry. All methods are safe for
// concurrent use; every call takes a context and honours it.
type Client struct {
	conn   *conn.Conn
	wm     *watchmgr.Manager
	chroot conn.Chroot
	cfg    config

	states *stateLoop

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced at every state change; guarded by mu
	closeErr error         // guarded by mu
	closed   bool          // guarded by mu

	subs     map[*sessionSub]struct{} // SessionEvents readers; guarded by mu
	terminal bool                     // the session has ended for good; guarded by mu
	subWG    sync.WaitGroup

	tracker *tracker // WithEnsembleTracking's goroutine, nil without it
}

// Connect opens a session with one of servers ("host:port") and returns
// once it is established, or when ctx ends. From then on the client keeps
// the session across connection loss by itself.
func Connect(ctx context.Context, servers []string, opts ...Option) (*Client, error) {
	if ctx == nil {
		return nil, opErr("connect", "", invalid("nil context"))
	}
	return open(servers, opts, func(cc conn.Config) (*conn.Conn, error) { return conn.Dial(ctx, cc) })
}

// open checks the options, builds the client and opens its session with
// dial (which waits for the first session, or not).
func open(servers []string, opts []Option, dial func(conn.Config) (*conn.Conn, error)) (*Client, error) {
	c := &Client{changed: make(chan struct{})}
	for _, o := range opts {
		o(&c.cfg)
	}
	if c.cfg.chroot != "" && c.cfg.chroot != "/" {
		if err := ValidatePath(c.cfg.chroot, false); err != nil {
			return nil, opErr("connect", c.cfg.chroot, err)
		}
		c.chroot = conn.Chroot(c.cfg.chroot)
	}
	if len(servers) == 0 {
		return nil, opErr("connect", "", invalid("no servers"))
	}
	if err := c.checkTracking(); err != nil {
		return nil, opErr("connect", "", err)
	}
	c.wm = watchmgr.New(watchmgr.Config{Buffer: c.cfg.watchBuffer, Remove: c.removeServerWatch})
	c.states = newStateLoop(c.cfg.stateListeners)
	cc := c.cfg.conn
	cc.Servers = append([]string(nil), servers...)
	cc.Chroot = string(c.chroot)
	cc.Events = sink{c}
	cc.Watches = sink{c}
	cn, err := dial(cc)
	if err != nil {
		c.states.stop()
		return nil, opErr("connect", "", err)
	}
	c.conn = cn
	c.tracker = c.startTracking()
	return c, nil
}

// Close ends the session (its ephemeral nodes go at once), fails calls in
// flight with ErrClosed, ends every watch with a final ErrClosed event and
// returns when every goroutine of the client has ended, except that of a
// state listener still busy a second after the session closed: that one
// ends when the listener returns. It is idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		err := c.closeErr
		c.mu.Unlock()
		return err
	}
	c.closed = true
	c.mu.Unlock()
	c.tracker.stop()
	err := c.conn.Close()
	c.wm.EndAll(proto.StateClosed, ErrClosed) // in case the connection never reported it
	c.states.stop()
	c.endSubscriptions()
	c.mu.Lock()
	c.closeErr = err
	c.mu.Unlock()
	return err
}

// State returns the current session state.
func (c *Client) State() State { return c.conn.State() }

// SessionID returns the current session's id (it changes only when a new
// session replaces an expired one, see WithNewSessionOnExpiry).
func (c *Client) SessionID() int64 { return c.conn.SessionID() }

// SessionPassword returns the current session's password, for tools that
// must attach to the session (such as tests that expire it).
func (c *Client) SessionPassword() []byte { return c.conn.SessionPassword() }

// SessionTimeout returns the timeout the server negotiated.
func (c *Client) SessionTimeout() time.Duration { return c.conn.NegotiatedTimeout() }

// Server returns the address of the server the client is connected to, or
// "" while disconnected.
func (c *Client) Server() string { return c.conn.ServerAddr() }

// Conn returns the session engine underneath, for SDKs that pipeline raw
// protocol records (see package conn). Paths given to it are not
// chroot-prefixed for you.
func (c *Client) Conn() *conn.Conn { return c.conn }

// stateChanged returns a channel closed at the next state change.
func (c *Client) stateChanged() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// waitConnected waits until the session is connected (read-write or
// read-only), ctx ends, or the client can no longer connect.
func (c *Client) waitConnected(ctx context.Context) error {
	for {
		ch := c.stateChanged()
		switch s := c.State(); s {
		case StateConnected, StateConnectedReadOnly:
			return nil
		case StateClosed:
			return ErrClosed
		case StateAuthFailed:
			return ErrAuthFailed
		case StateExpired:
			if !c.cfg.newSessionOnExpiry {
				return ErrSessionExpired
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// removeServerWatch is the watch manager's Remover: it queues a
// removeWatches request and forgets it. A NoWatcher reply (the watch fired
// or the connection changed meanwhile) is expected and harmless.
func (c *Client) removeServerWatch(path string, t proto.WatcherType) {
	call := &conn.Call{Op: proto.OpRemoveWatches, Req: &proto.RemoveWatchesRequest{Path: c.chroot.Prefix(path), Type: t}}
	_ = c.submitAsync(call)
}

// sink connects the session engine to the watch manager and listeners.
type sink struct{ c *Client }

func (s sink) Notification(ev proto.WatcherEvent) { s.c.wm.Notification(ev) }

func (s sink) StateChange(st proto.State, newSession bool) {
	c := s.c
	switch st {
	case proto.StateExpired:
		c.wm.EndAll(st, ErrSessionExpired)
	case proto.StateAuthFailed:
		c.wm.EndAll(st, ErrAuthFailed)
	case proto.StateClosed:
		c.wm.EndAll(st, ErrClosed)
	default:
		c.wm.StateChange(st, newSession)
	}
	c.stateMetrics(st, newSession)
	c.states.push(st)
	final := st == proto.StateAuthFailed || st == proto.StateClosed ||
		(st == proto.StateExpired && !c.cfg.newSessionOnExpiry)
	c.publish(st, newSession, final)
	c.mu.Lock()
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

func (s sink) WatchesToRestore() []conn.WatchSet {
	set := s.c.wm.Restore()
	return []conn.WatchSet{{
		Data: set.Data, Exist: set.Exist, Child: set.Child,
		Persistent: set.Persistent, Recursive: set.Recursive,
	}}
}

// WatchesRestored ends the restore's de-duplication of NodeDeleted (see
// watchmgr.Manager.RestoreDone).
func (s sink) WatchesRestored() { s.c.wm.RestoreDone() }

// WatchesNotRestored ends the watches a restore could not re-register
// with ErrWatchNotRestored: they would never fire again.
func (s sink) WatchesNotRestored(set conn.WatchSet, err error) {
	s.c.wm.NotRestored(watchmgr.Set{
		Data: set.Data, Exist: set.Exist, Child: set.Child,
		Persistent: set.Persistent, Recursive: set.Recursive,
	}, err)
}

// stateLoop calls state listeners in order on a goroutine of its own, so a
// slow listener never holds up the connection.
type stateLoop struct {
	listeners []func(State)
	box       *mailbox.Mailbox[State]
	done      chan struct{}
}

func newStateLoop(listeners []func(State)) *stateLoop {
	l := &stateLoop{listeners: listeners, box: mailbox.New[State](), done: make(chan struct{})}
	if len(listeners) == 0 {
		close(l.done)
		return l
	}
	go l.run()
	return l
}

func (l *stateLoop) push(s State) {
	if len(l.listeners) > 0 {
		l.box.Put(s)
	}
}

func (l *stateLoop) run() {
	defer close(l.done)
	for {
		s, ok := l.box.Get(nil)
		if !ok {
			return
		}
		for _, f := range l.listeners {
			f(s)
		}
	}
}

// listenerWait bounds how long Close waits for state listeners to take
// the last transitions.
const listenerWait = time.Second

// stop lets the goroutine deliver what is queued and end, waiting up to
// listenerWait for it: a listener that blocks longer (or calls Close
// itself) must not hold Close up, so its goroutine is left to finish on
// its own when the listener returns. It is idempotent.
func (l *stateLoop) stop() {
	l.box.Close()
	t := time.NewTimer(listenerWait)
	defer t.Stop()
	select {
	case <-l.done:
	case <-t.C:
	}
}
