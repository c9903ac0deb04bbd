package zk

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	root "github.com/zkwire/zk"
)

// Every method checks its path as go-zookeeper does (ErrInvalidPath before
// anything is sent) and returns bare errors. Where go-zookeeper returns a
// zero Stat on a server error, so does this package (only
// ErrConnectionClosed comes with a nil Stat).

func statOrNil(s *root.Stat, err error) *Stat {
	if err == ErrConnectionClosed {
		return nil
	}
	return statOf(s)
}

// AddAuth adds an authentication config to the connection; it is sent
// again on every reconnect.
func (c *Conn) AddAuth(scheme string, auth []byte) error {
	return c.call(func(ctx context.Context) error {
		return c.client.AddAuth(ctx, scheme, auth)
	})
}

// Children returns the children of a znode.
func (c *Conn) Children(path string) ([]string, *Stat, error) {
	if err := validatePath(path, false); err != nil {
		return nil, nil, err
	}
	var children []string
	var st *root.Stat
	err := c.call(func(ctx context.Context) (err error) {
		children, st, err = c.client.Children(ctx, path)
		return err
	})
	return children, statOrNil(st, err), err
}

// ChildrenW returns the children of a znode and sets a watch.
func (c *Conn) ChildrenW(path string) ([]string, *Stat, <-chan Event, error) {
	if err := validatePath(path, false); err != nil {
		return nil, nil, nil, err
	}
	var children []string
	var st *root.Stat
	var w *root.Watch
	o := c.oneShot(path)
	err := c.call(func(ctx context.Context) (err error) {
		children, st, w, err = c.client.ChildrenW(ctx, path, o.option())
		return err
	})
	ch := o.set(w, err)
	if err != nil {
		return nil, nil, nil, err
	}
	return children, statOf(st), ch, nil
}

// Get gets the contents of a znode.
func (c *Conn) Get(path string) ([]byte, *Stat, error) {
	if err := validatePath(path, false); err != nil {
		return nil, nil, err
	}
	var data []byte
	var st *root.Stat
	err := c.call(func(ctx context.Context) (err error) {
		data, st, err = c.client.Get(ctx, path)
		return err
	})
	return data, statOrNil(st, err), err
}

// GetW returns the contents of a znode and sets a watch
func (c *Conn) GetW(path string) ([]byte, *Stat, <-chan Event, error) {
	if err := validatePath(path, false); err != nil {
		return nil, nil, nil, err
	}
	var data []byte
	var st *root.Stat
	var w *root.Watch
	o := c.oneShot(path)
	err := c.call(func(ctx context.Context) (err error) {
		data, st, w, err = c.client.GetW(ctx, path, o.option())
		return err
	})
	ch := o.set(w, err)
	if err != nil {
		return nil, nil, nil, err
	}
	return data, statOf(st), ch, nil
}

// Set updates the contents of a znode.
func (c *Conn) Set(path string, data []byte, version int32) (*Stat, error) {
	if err := validatePath(path, false); err != nil {
		return nil, err
	}
	var st *root.Stat
	err := c.call(func(ctx context.Context) (err error) {
		st, err = c.client.Set(ctx, path, data, version)
		return err
	})
	return statOrNil(st, err), err
}

// Create creates a znode.
// The returned path is the new path assigned by the server, it may not be the
// same as the input, for example when creating a sequence znode the returned path
// will be the input path with a sequence number appended.
func (c *Conn) Create(path string, data []byte, flags int32, acl []ACL) (string, error) {
	mode, err := parseCreateMode(flags)
	if err != nil {
		return "", err
	}
	if err := validatePath(path, mode.isSequential); err != nil {
		return "", err
	}
	if mode.isTTL {
		return "", fmt.Errorf("Create with TTL flag disallowed: %w", ErrInvalidFlags)
	}
	if len(acl) == 0 {
		return "", ErrInvalidACL // what the server answers
	}
	var created string
	err = c.call(func(ctx context.Context) (err error) {
		created, err = c.client.Create(ctx, path, data, root.CreateMode(mode.flag), toRootACL(acl))
		return err
	})
	return created, err
}

// CreateContainer creates a container znode and returns the path.
//
// Containers cannot be ephemeral or sequential, or have TTLs.
// Ensure that we reject flags for TTL, Sequence, and Ephemeral.
func (c *Conn) CreateContainer(path string, data []byte, flag int32, acl []ACL) (string, error) {
	mode, err := parseCreateMode(flag)
	if err != nil {
		return "", err
	}
	if err := validatePath(path, mode.isSequential); err != nil {
		return "", err
	}
	if !mode.isContainer {
		return "", fmt.Errorf("CreateContainer requires container flag: %w", ErrInvalidFlags)
	}
	if len(acl) == 0 {
		return "", ErrInvalidACL
	}
	var created string
	err = c.call(func(ctx context.Context) (err error) {
		created, _, err = c.client.CreateContainer(ctx, path, data, toRootACL(acl))
		return err
	})
	return created, err
}

// CreateTTL creates a TTL znode, which will be automatically deleted by server after the TTL.
func (c *Conn) CreateTTL(path string, data []byte, flag int32, acl []ACL, ttl time.Duration) (string, error) {
	mode, err := parseCreateMode(flag)
	if err != nil {
		return "", err
	}
	if err := validatePath(path, mode.isSequential); err != nil {
		return "", err
	}
	if !mode.isTTL {
		return "", fmt.Errorf("CreateTTL requires TTL flag: %w", ErrInvalidFlags)
	}
	if len(acl) == 0 {
		return "", ErrInvalidACL
	}
	var created string
	err = c.call(func(ctx context.Context) (err error) {
		created, _, err = c.client.CreateTTL(ctx, path, data, root.CreateMode(mode.flag), toRootACL(acl), ttl)
		return err
	})
	return created, err
}

// CreateProtectedEphemeralSequential creates an ephemeral sequential node
// whose name carries a random id ("_c_<id>-<name><sequence>"). If the
// connection drops before the reply, it looks for the node by its id
// instead of creating a second one.
func (c *Conn) CreateProtectedEphemeralSequential(path string, data []byte, acl []ACL) (string, error) {
	if err := validatePath(path, true); err != nil {
		return "", err
	}
	if len(acl) == 0 {
		return "", ErrInvalidACL
	}
	var created string
	err := c.call(func(ctx context.Context) (err error) {
		created, _, err = c.client.CreateProtected(ctx, path, data, root.EphemeralSequential, toRootACL(acl))
		return err
	})
	return created, err
}

// Delete deletes a znode.
func (c *Conn) Delete(path string, version int32) error {
	if err := validatePath(path, false); err != nil {
		return err
	}
	return c.call(func(ctx context.Context) error {
		return c.client.Delete(ctx, path, version)
	})
}

// Exists tells the existence of a znode. On a missing node the Stat is the
// zero Stat, not nil.
func (c *Conn) Exists(path string) (bool, *Stat, error) {
	if err := validatePath(path, false); err != nil {
		return false, nil, err
	}
	var ok bool
	var st *root.Stat
	err := c.call(func(ctx context.Context) (err error) {
		ok, st, err = c.client.Exists(ctx, path)
		return err
	})
	return ok, statOrNil(st, err), err
}

// ExistsW tells the existence of a znode and sets a watch.
func (c *Conn) ExistsW(path string) (bool, *Stat, <-chan Event, error) {
	if err := validatePath(path, false); err != nil {
		return false, nil, nil, err
	}
	var ok bool
	var st *root.Stat
	var w *root.Watch
	o := c.oneShot(path)
	err := c.call(func(ctx context.Context) (err error) {
		ok, st, w, err = c.client.ExistsW(ctx, path, o.option())
		return err
	})
	ch := o.set(w, err)
	if err != nil {
		return false, nil, nil, err
	}
	return ok, statOf(st), ch, nil
}

// GetACL gets the ACLs of a znode.
func (c *Conn) GetACL(path string) ([]ACL, *Stat, error) {
	if err := validatePath(path, false); err != nil {
		return nil, nil, err
	}
	var acl []root.ACL
	var st *root.Stat
	err := c.call(func(ctx context.Context) (err error) {
		acl, st, err = c.client.GetACL(ctx, path)
		return err
	})
	return fromRootACL(acl), statOrNil(st, err), err
}

// SetACL updates the ACLs of a znode.
func (c *Conn) SetACL(path string, acl []ACL, version int32) (*Stat, error) {
	if err := validatePath(path, false); err != nil {
		return nil, err
	}
	if len(acl) == 0 {
		return &Stat{}, ErrInvalidACL
	}
	var st *root.Stat
	err := c.call(func(ctx context.Context) (err error) {
		st, err = c.client.SetACL(ctx, path, toRootACL(acl), version)
		return err
	})
	return statOrNil(st, err), err
}

// Sync flushes the channel between process and the leader of a given znode,
// you may need it if you want identical views of ZooKeeper data for 2 client instances.
// Please refer to the "Consistency Guarantees" section of ZK document for more details.
func (c *Conn) Sync(path string) (string, error) {
	if err := validatePath(path, false); err != nil {
		return "", err
	}
	err := c.call(func(ctx context.Context) error {
		return c.client.Sync(ctx, path)
	})
	if err != nil {
		return "", err
	}
	return path, nil
}

// Multi executes multiple ZooKeeper operations or none of them. The provided
// ops must be one of *CreateRequest, *DeleteRequest, *SetDataRequest, or
// *CheckVersionRequest. When the transaction fails, the error is the first
// failing operation's, and each response carries its operation's error.
func (c *Conn) Multi(ops ...interface{}) ([]MultiResponse, error) {
	rops := make([]root.Op, 0, len(ops))
	for _, op := range ops {
		switch o := op.(type) {
		case *CreateRequest:
			rops = append(rops, root.CreateOp(o.Path, o.Data, root.CreateMode(o.Flags), toRootACL(o.Acl)))
		case *SetDataRequest:
			rops = append(rops, root.SetOp(o.Path, o.Data, o.Version))
		case *DeleteRequest:
			rops = append(rops, root.DeleteOp(o.Path, o.Version))
		case *CheckVersionRequest:
			rops = append(rops, root.CheckOp(o.Path, o.Version))
		default:
			return nil, fmt.Errorf("unknown operation type %T", op)
		}
	}
	var res []root.OpResult
	err := c.call(func(ctx context.Context) (err error) {
		res, err = c.client.Multi(ctx, rops...)
		return err
	})
	if err == ErrConnectionClosed {
		return nil, err
	}
	out := make([]MultiResponse, len(res))
	for i, r := range res {
		out[i].String = r.Path
		if r.Stat != nil {
			out[i].Stat = statOf(r.Stat)
		}
		if r.Err != nil {
			out[i].Error = bare(nil, r.Err)
		}
	}
	return out, err
}

// IncrementalReconfig is the zookeeper reconfiguration api that allows adding and removing servers
// by lists of members. For more info refer to the ZK documentation.
//
// An optional version allows for conditional reconfigurations, -1 ignores the condition.
//
// Returns the new configuration znode stat.
func (c *Conn) IncrementalReconfig(joining, leaving []string, version int64) (*Stat, error) {
	return c.reconfig(func(ctx context.Context) ([]byte, *root.Stat, error) {
		return c.client.IncrementalReconfig(ctx, joining, leaving, version)
	})
}

// Reconfig is the non-incremental update functionality for Zookeeper where the list provided
// is the entire new member list. For more info refer to the ZK documentation.
//
// An optional version allows for conditional reconfigurations, -1 ignores the condition.
//
// Returns the new configuration znode stat.
func (c *Conn) Reconfig(members []string, version int64) (*Stat, error) {
	return c.reconfig(func(ctx context.Context) ([]byte, *root.Stat, error) {
		return c.client.Reconfig(ctx, members, version)
	})
}

// reconfig runs one of the client's reconfig calls under go-zookeeper's
// call rules and keeps only the Stat, as go-zookeeper returns.
func (c *Conn) reconfig(do func(context.Context) ([]byte, *root.Stat, error)) (*Stat, error) {
	var st *root.Stat
	err := c.call(func(ctx context.Context) (err error) {
		_, st, err = do(ctx)
		return err
	})
	return statOf(st), err
}

// oneShot is a one-shot watch as go-zookeeper hands it out: a channel
// that gets one event, then closes. The event also goes to the event
// channel and callback, as in go-zookeeper. The client delivers it through
// a callback (root.OnEvent), so a watch costs no goroutine. A watch the
// client ends (expiry, Close, or a restore after a reconnect that could
// not re-register it) delivers EventNotWatching with the error of its
// final event.
type oneShot struct {
	c    *Conn
	path string
	ch   chan Event
	wg   bool        // counted in c.watches
	done atomic.Bool // the channel is closed
}

// oneShot starts a watch on path: pass its option to the call, then hand
// the call's outcome to set.
func (c *Conn) oneShot(path string) *oneShot {
	o := &oneShot{c: c, path: path, ch: make(chan Event, 1)}
	c.mu.Lock()
	if !c.closing {
		o.wg = true
		c.watches.Add(1) // Close waits for the final event
	}
	c.mu.Unlock()
	return o
}

func (o *oneShot) option() root.WatchOption { return root.OnEvent(o.deliver) }

// deliver is the watch's callback. A one-shot watch gets exactly one
// event; a state-only one (a resync that ended it) closes the channel
// without an event, as go-zookeeper's one-shot watches know none.
func (o *oneShot) deliver(ev root.Event) {
	if ev.Type == root.EventNone && ev.Err == nil {
		o.finish(nil)
		return
	}
	out := Event{Type: EventType(ev.Type), State: StateSyncConnected, Path: ev.Path}
	if ev.Err != nil {
		out = Event{Type: EventNotWatching, State: StateDisconnected, Path: o.path, Err: notWatching(ev.Err)}
	}
	o.finish(&out)
}

// set takes the call's outcome: the channel to return, nil if the call
// failed (no watch was set, and no callback comes).
func (o *oneShot) set(w *root.Watch, err error) <-chan Event {
	if err != nil {
		o.finish(nil)
		return nil
	}
	o.c.mu.Lock()
	closing := o.c.closing
	o.c.mu.Unlock()
	if closing {
		w.Stop() // no callback starts after this
		o.finish(&Event{Type: EventNotWatching, State: StateDisconnected, Path: o.path, Err: ErrClosing})
	}
	return o.ch
}

// finish sends ev (if any) and closes the channel, once.
func (o *oneShot) finish(ev *Event) {
	if !o.done.CompareAndSwap(false, true) {
		return
	}
	if ev != nil {
		o.c.events.push(*ev)
		o.ch <- *ev
	}
	close(o.ch)
	if o.wg {
		o.c.watches.Done()
	}
}

// notWatching is the Err of an EventNotWatching.
func notWatching(err error) error {
	if err == nil {
		return nil
	}
	switch bare(nil, err) {
	case ErrConnectionClosed:
		return ErrClosing
	default:
		return bare(nil, err)
	}
}
