package zk

import (
	"context"
	"sync"
	"time"

	"github.com/zkwire/zk/conn"
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

	states *broadcaster // the one announcer of state changes (state.go)

	closeOnce sync.Once

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
	c := &Client{}
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
	c.states = newBroadcaster(c.cfg.stateListeners, c.cfg.conn.NewSessionOnExpiry, c.watchState, c.stateMetrics)
	cc := c.cfg.conn
	cc.Servers = append([]string(nil), servers...)
	cc.Chroot = string(c.chroot)
	cc.Events = sink{c}
	cc.Watches = sink{c}
	cn, err := dial(cc)
	if err != nil {
		c.states.close()
		return nil, opErr("connect", "", err)
	}
	c.conn = cn
	c.tracker = c.startTracking()
	return c, nil
}

// Close ends the session (its ephemeral nodes go at once), fails calls in
// flight with ErrClosed, ends every watch with a final ErrClosed event,
// closes Done and every SessionEvents channel, and returns when every
// goroutine of the client has ended, except that of a state listener
// still busy a second after the session closed, or of a watch callback
// (OnEvent) still busy a second after its final event was queued: that
// one ends when the listener or callback returns. It is idempotent; a
// concurrent call returns when the first has finished.
//
// Close has nothing to report: the client is closed whatever happens. If
// the server does not confirm the end of the session within 2 s (it is
// unreachable), the session's ephemeral nodes stay until the session
// times out on the server.
func (c *Client) Close() {
	c.closeOnce.Do(func() {
		c.tracker.stop()
		_ = c.conn.Close()                        // always nil
		c.wm.EndAll(proto.StateClosed, ErrClosed) // in case the connection never reported it
		c.states.close()
		// The callbacks of the watches' final events, bounded like the
		// listeners: one that blocks (or calls Close) must not hold Close.
		t := time.NewTimer(listenerWait)
		defer t.Stop()
		select {
		case <-c.wm.CallbacksIdle():
		case <-t.C:
		}
	})
}

// Done returns a channel closed when the client can no longer do
// anything: it was closed, its session expired without
// WithNewSessionOnExpiry, or its credentials were refused
// (StateAuthFailed). State then tells which. It is etcd's Session.Done;
// SessionEvents tells the same end as its last event.
func (c *Client) Done() <-chan struct{} { return c.states.done }

// State returns the current session state: the last change announced to
// listeners and SessionEvents.
func (c *Client) State() State {
	ev, _ := c.states.current()
	return ev.State
}

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

// LastZxid returns the zxid of the latest reply this client has read: the
// point in the ensemble's history its reads have caught up with, which the
// next handshake presents so that no server behind it is accepted.
func (c *Client) LastZxid() int64 { return c.conn.LastZxid() }

// waitConnected waits until the session is connected (read-write or
// read-only), ctx ends, or the client can no longer connect.
func (c *Client) waitConnected(ctx context.Context) error {
	for {
		ev, changed := c.states.current()
		switch ev.State {
		case StateConnected, StateConnectedReadOnly:
			return nil
		case StateClosed:
			return ErrClosed
		case StateAuthFailed:
			return ErrAuthFailed
		case StateExpired:
			if !c.cfg.conn.NewSessionOnExpiry {
				return ErrSessionExpired
			}
		}
		select {
		case <-changed:
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

// StateChange hands a change to the one broadcaster (state.go).
func (s sink) StateChange(st proto.State, id int64, newSession bool) {
	s.c.states.publish(SessionEvent{State: st, SessionID: id, NewSession: newSession})
}

// watchState is the watch manager's part of a state change: it must run
// before the connection reads on, so it is a synchronous hook of the
// broadcaster.
func (c *Client) watchState(ev SessionEvent) {
	switch st := ev.State; st {
	case proto.StateExpired:
		c.wm.EndAll(st, ErrSessionExpired)
	case proto.StateAuthFailed:
		c.wm.EndAll(st, ErrAuthFailed)
	case proto.StateClosed:
		c.wm.EndAll(st, ErrClosed)
	default:
		c.wm.StateChange(st, ev.NewSession)
	}
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
