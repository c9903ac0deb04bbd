package zk

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zkwire/zk/proto"
)

// maxTTL is the largest TTL the server accepts (2^40 - 1 ms).
const maxTTL = 1<<40 - 1

// Create makes a node and returns its actual path (with the sequence
// suffix for sequential modes). For TTL modes use CreateTTL.
//
// A sequential path ending in "/" names the sequence node inside that
// node: "/a/" makes "/a/0000000001". So "/" with a chroot "/app" makes
// "/app/0000000001" on the server, returned as "/0000000001": the node
// stays inside the chroot, never beside it ("/app0000000001").
func (c *Client) Create(ctx context.Context, path string, data []byte, mode CreateMode, acl []ACL) (string, error) {
	p, _, err := c.create(ctx, "create", path, data, mode, acl, 0, false)
	return p, err
}

// CreateWithStat is Create that also returns the new node's Stat (create2).
func (c *Client) CreateWithStat(ctx context.Context, path string, data []byte, mode CreateMode, acl []ACL) (string, *Stat, error) {
	return c.create(ctx, "create", path, data, mode, acl, 0, true)
}

// CreateTTL makes a PersistentWithTTL or PersistentSequentialWithTTL node
// that the server deletes once it has had no children and no change for
// ttl (millisecond precision). The server needs extendedTypesEnabled.
func (c *Client) CreateTTL(ctx context.Context, path string, data []byte, mode CreateMode, acl []ACL, ttl time.Duration) (string, *Stat, error) {
	ms := ttl.Milliseconds()
	if err := checkTTL(mode, ms); err != nil {
		return "", nil, opErr("createTTL", path, err)
	}
	return c.create(ctx, "createTTL", path, data, mode, acl, ms, true)
}

// checkTTL is the one validation of CreateTTL and CreateTTLOp, so both
// refuse the same input with the same words.
func checkTTL(mode CreateMode, ms int64) error {
	if !mode.IsTTL() {
		return invalid("mode %d is not a TTL mode", mode)
	}
	if ms <= 0 || ms > maxTTL {
		return invalid("TTL %d ms out of range (1 to 2^40-1 ms)", ms)
	}
	return nil
}

// CreateContainer makes a container node: the server deletes it once it
// has had children and has none left.
func (c *Client) CreateContainer(ctx context.Context, path string, data []byte, acl []ACL) (string, *Stat, error) {
	return c.create(ctx, "createContainer", path, data, Container, acl, 0, true)
}

func (c *Client) create(ctx context.Context, op, path string, data []byte, mode CreateMode, acl []ACL, ttl int64, wantStat bool) (string, *Stat, error) {
	if err := checkCtx(ctx); err != nil {
		return "", nil, opErr(op, path, err)
	}
	if !mode.Valid() {
		return "", nil, opErr(op, path, invalid("unknown create mode %d", mode))
	}
	if mode.IsTTL() && ttl == 0 {
		return "", nil, opErr(op, path, invalid("mode %d is a TTL mode: use CreateTTL", mode))
	}
	if err := ValidatePath(path, mode.IsSequential()); err != nil {
		return "", nil, opErr(op, path, err)
	}
	if err := validACL(acl); err != nil {
		return "", nil, opErr(op, path, err)
	}
	full := c.createPath(path, mode.IsSequential())
	var (
		code proto.Op
		req  proto.Record
	)
	switch {
	case mode.IsTTL():
		code, req = proto.OpCreateTTL, &proto.CreateTTLRequest{Path: full, Data: data, ACL: acl, Flags: mode, TTL: ttl}
	case mode == Container:
		// The node type comes from the opcode, not the flags (protocol.md §4 note 3).
		code, req = proto.OpCreateContainer, &proto.CreateRequest{Path: full, Data: data, ACL: acl, Flags: mode}
	case wantStat:
		code, req = proto.OpCreate2, &proto.CreateRequest{Path: full, Data: data, ACL: acl, Flags: mode}
	default:
		code, req = proto.OpCreate, &proto.CreateRequest{Path: full, Data: data, ACL: acl, Flags: mode}
	}
	if code == proto.OpCreate {
		resp := &proto.CreateResponse{}
		if _, err := c.do(ctx, op, path, code, req, resp); err != nil {
			return "", nil, err
		}
		return c.chroot.Strip(resp.Path), nil, nil
	}
	resp := &proto.Create2Response{}
	if _, err := c.do(ctx, op, path, code, req, resp); err != nil {
		return "", nil, err
	}
	return c.chroot.Strip(resp.Path), &resp.Stat, nil
}

// ProtectedPrefix starts the name of a protected node: "_c_" + a UUID +
// "-" (the Curator convention, so tools recognise these nodes).
const ProtectedPrefix = "_c_"

// CreateProtectedEphemeralSequential creates an ephemeral sequential node
// whose name carries a random UUID: path "/locks/lock-" becomes
// "/locks/_c_<uuid>-lock-0000000007". If the connection drops before the
// reply, the outcome is unknown; the name lets this call find the node it
// may have made (it lists the parent and adopts the child with its UUID)
// instead of creating a second one. It retries until ctx ends.
//
// When it fails after a create may have reached the server (ctx ended
// while the request was on the wire, or the search for it failed), it
// deletes the node it may have made, in the background and for at most
// the session timeout: nobody else knows its name, and it would otherwise
// live as long as the session.
func (c *Client) CreateProtectedEphemeralSequential(ctx context.Context, path string, data []byte, acl []ACL) (string, error) {
	const op = "createProtected"
	if err := checkCtxNotSent(ctx); err != nil {
		return "", opErr(op, path, err) // the loop below calls ctx.Err
	}
	if err := ValidatePath(path, true); err != nil {
		return "", opErr(op, path, err)
	}
	i := strings.LastIndexByte(path, '/')
	dir, base := path[:i], path[i+1:]
	if dir == "" {
		dir = "/"
	}
	id, err := newUUID()
	if err != nil {
		return "", opErr(op, path, err)
	}
	tag := ProtectedPrefix + id + "-"
	protected := strings.TrimSuffix(dir, "/") + "/" + tag + base
	for {
		p, err := c.Create(ctx, protected, data, EphemeralSequential, acl)
		if err == nil {
			return p, nil
		}
		if ctx.Err() != nil && !SafeToRetry(err) {
			c.removeProtected(dir, tag) // the request may be on the wire
			return "", err
		}
		if !errors.Is(err, ErrConnectionLoss) {
			return "", err
		}
		found, err := c.findProtected(ctx, dir, tag)
		if err != nil {
			c.removeProtected(dir, tag)
			return "", opErr(op, path, err)
		}
		if found != "" {
			return found, nil
		}
		// Not there: the create did not happen, so trying again cannot
		// make a second node.
	}
}

// removeProtected deletes, in the background, the child of dir named with
// tag if there is one, for at most the session timeout (or 10 s before
// one is negotiated). A listing sent after the create is answered after
// it (a session's requests are served in order), so it finds the node if
// the create was applied. It gives up when the client closes or the
// session ends, which take the node with them.
func (c *Client) removeProtected(dir, tag string) {
	bound := c.SessionTimeout()
	if bound <= 0 {
		bound = 10 * time.Second
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		for {
			p, err := c.findProtected(ctx, dir, tag)
			if err != nil || p == "" {
				return
			}
			err = c.Delete(ctx, p, -1)
			if !errors.Is(err, ErrConnectionLoss) {
				return // deleted, gone already, or not ours to delete
			}
		}
	}()
}

// findProtected lists dir until the listing succeeds and returns the path
// of the child whose name starts with tag, or "" if there is none.
func (c *Client) findProtected(ctx context.Context, dir, tag string) (string, error) {
	for {
		if err := c.waitConnected(ctx); err != nil {
			return "", err
		}
		children, _, err := c.Children(ctx, dir)
		if errors.Is(err, ErrConnectionLoss) {
			continue
		}
		if err != nil {
			return "", err
		}
		for _, ch := range children {
			if strings.HasPrefix(ch, tag) {
				return strings.TrimSuffix(dir, "/") + "/" + ch, nil
			}
		}
		return "", nil
	}
}

// newUUID returns a random (version 4) UUID in canonical form.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
