package zk

import (
	"context"
	"fmt"
	"strings"
	"time"

	root "github.com/zkwire/zk"
	zkconn "github.com/zkwire/zk/conn"
	"github.com/zkwire/zk/proto"
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
	err := c.call(func(ctx context.Context) (err error) {
		children, st, w, err = c.client.ChildrenW(ctx, path)
		return err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return children, statOf(st), c.watch(w, path), nil
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
	err := c.call(func(ctx context.Context) (err error) {
		data, st, w, err = c.client.GetW(ctx, path)
		return err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return data, statOf(st), c.watch(w, path), nil
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
	err := c.call(func(ctx context.Context) (err error) {
		ok, st, w, err = c.client.ExistsW(ctx, path)
		return err
	})
	if err != nil {
		return false, nil, nil, err
	}
	return ok, statOf(st), c.watch(w, path), nil
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
	return c.reconfig(&proto.ReconfigRequest{
		JoiningServers: strings.Join(joining, ","),
		LeavingServers: strings.Join(leaving, ","),
		CurConfigID:    version,
	})
}

// Reconfig is the non-incremental update functionality for Zookeeper where the list provided
// is the entire new member list. For more info refer to the ZK documentation.
//
// An optional version allows for conditional reconfigurations, -1 ignores the condition.
//
// Returns the new configuration znode stat.
func (c *Conn) Reconfig(members []string, version int64) (*Stat, error) {
	return c.reconfig(&proto.ReconfigRequest{
		NewMembers:  strings.Join(members, ","),
		CurConfigID: version,
	})
}

// reconfig sends the request through the client's session engine (the
// zkwire client has no typed reconfig method).
func (c *Conn) reconfig(req *proto.ReconfigRequest) (*Stat, error) {
	resp := &proto.GetDataResponse{}
	err := c.call(func(ctx context.Context) error {
		return c.client.Conn().Do(ctx, &zkconn.Call{Op: proto.OpReconfig, Req: req, Resp: resp})
	})
	return statOf(&resp.Stat), err
}

// watch turns a one-shot watch into go-zookeeper's channel: one event,
// then closed. The event also goes to the event channel and callback, as
// in go-zookeeper. A watch the client ends (expiry, Close, or a restore
// after a reconnect that could not re-register it) delivers
// EventNotWatching with the error of its final event.
func (c *Conn) watch(w *root.Watch, path string) <-chan Event {
	ch := make(chan Event, 1)
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		w.Stop()
		ch <- Event{Type: EventNotWatching, State: StateDisconnected, Path: path, Err: ErrClosing}
		close(ch)
		return ch
	}
	c.watches.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.watches.Done()
		defer close(ch)
		for ev := range w.C {
			if ev.Type == root.EventNone && ev.Err == nil {
				continue // a state change: one-shot watches keep waiting
			}
			out := Event{Type: EventType(ev.Type), State: StateSyncConnected, Path: ev.Path}
			if ev.Err != nil {
				out = Event{Type: EventNotWatching, State: StateDisconnected, Path: path, Err: notWatching(ev.Err)}
			}
			c.events.push(out)
			ch <- out
			w.Stop()
			return
		}
	}()
	return ch
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
