package zk

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zkwire/zk/conn"
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
	if !wantStat && !mode.IsTTL() && mode != Container {
		return c.createPlain(ctx, op, path, proto.CreateRequest{Path: full, Data: data, ACL: acl, Flags: mode})
	}
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
	default:
		code, req = proto.OpCreate2, &proto.CreateRequest{Path: full, Data: data, ACL: acl, Flags: mode}
	}
	resp := &proto.Create2Response{Path: full}
	if _, err := c.do(ctx, op, path, code, req, resp); err != nil {
		return "", nil, err
	}
	return c.chroot.Strip(resp.Path), &resp.Stat, nil
}

// createPlain sends create (opcode 1), which answers with the path only,
// in one allocation: the call, request and response share one struct (see
// ops.go), and the reply's path, the requested one unless sequential, is
// decoded without a copy.
func (c *Client) createPlain(ctx context.Context, op, path string, req proto.CreateRequest) (string, *Stat, error) {
	o := &createCall{req: req, resp: proto.CreateResponse{Path: req.Path}}
	o.call = conn.Call{Op: proto.OpCreate, Req: &o.req, Resp: &o.resp}
	if err := c.roundTrip(ctx, op, path, &o.call); err != nil {
		return "", nil, err
	}
	return c.chroot.Strip(o.resp.Path), nil, nil
}

// ProtectedPrefix starts the name of a protected node: "_c_" + a UUID +
// "-" (the Curator convention, so tools recognise these nodes).
const ProtectedPrefix = "_c_"

// CreateProtected creates a node whose name carries a random UUID, so that
// a create whose reply is lost is found again instead of being made twice
// (Curator's protected mode). The last element of path gets the prefix
// "_c_<uuid>-": "/locks/lock-" with EphemeralSequential becomes
// "/locks/_c_<uuid>-lock-0000000007". mode is Persistent,
// PersistentSequential, Ephemeral or EphemeralSequential. It returns the
// node's path and Stat. Like Create, it fails with ErrNoNode when the
// parent is missing (see EnsurePath).
//
// If the connection drops before the reply, once connected again it lists
// the parent and adopts the child with its UUID, if there is one;
// otherwise it creates again. It retries until ctx ends. An ephemeral
// node found there but owned by an earlier session (the reconnection found
// the session expired) is not adopted: it goes with that session.
//
// When it fails after a create may have reached the server (ctx ended
// while the request was on the wire, the search for it failed, or the
// session expired under a persistent create), it deletes the node it may
// have made, in the background and for at most the session timeout:
// nobody else knows its name, and it would otherwise outlive the call.
func (c *Client) CreateProtected(ctx context.Context, path string, data []byte, mode CreateMode, acl []ACL) (string, *Stat, error) {
	const op = "createProtected"
	if err := checkCtxNotSent(ctx); err != nil {
		return "", nil, opErr(op, path, err) // the loop below calls ctx.Err
	}
	switch mode {
	case Persistent, PersistentSequential, Ephemeral, EphemeralSequential:
	default:
		return "", nil, opErr(op, path, invalid("mode %d cannot be protected (persistent or ephemeral, sequential or not)", mode))
	}
	if err := ValidatePath(path, mode.IsSequential()); err != nil {
		return "", nil, opErr(op, path, err)
	}
	if path == "/" && !mode.IsSequential() {
		return "", nil, opErr(op, path, invalid("the root cannot be created"))
	}
	if err := validACL(acl); err != nil {
		return "", nil, opErr(op, path, err)
	}
	i := strings.LastIndexByte(path, '/')
	dir, base := path[:i], path[i+1:]
	if dir == "" {
		dir = "/"
	}
	for {
		id, err := newUUID()
		if err != nil {
			return "", nil, opErr(op, path, err)
		}
		tag := ProtectedPrefix + id + "-"
		p, st, err := c.createTagged(ctx, dir, tag, base, data, mode, acl)
		if p != "" || err != nil {
			return p, st, err
		}
		// Found, but an earlier session's ephemeral node: try again under
		// a new tag, which that node cannot answer for.
	}
}

// createTagged creates dir/<tag><base> until it is made, found after a
// connection loss, or fails. It returns "" and no error when the node
// found was an ephemeral node of an earlier session.
func (c *Client) createTagged(ctx context.Context, dir, tag, base string, data []byte, mode CreateMode, acl []ACL) (string, *Stat, error) {
	protected := strings.TrimSuffix(dir, "/") + "/" + tag + base
	for {
		p, st, err := c.CreateWithStat(ctx, protected, data, mode, acl)
		switch {
		case err == nil:
			return p, st, nil
		case ctx.Err() != nil && !SafeToRetry(err),
			errors.Is(err, ErrSessionExpired) && !mode.IsEphemeral():
			c.removeProtected(dir, tag) // the request may have been applied
			return "", nil, err
		case !errors.Is(err, ErrConnectionLoss):
			return "", nil, err
		}
		found, st, err := c.findProtected(ctx, dir, tag)
		if err != nil {
			c.removeProtected(dir, tag)
			return "", nil, opErr("createProtected", protected, err)
		}
		if found != "" {
			if mode.IsEphemeral() && st.EphemeralOwner != c.SessionID() {
				return "", nil, nil
			}
			return found, st, nil
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
// session ends, which take an ephemeral node with them.
func (c *Client) removeProtected(dir, tag string) {
	bound := c.SessionTimeout()
	if bound <= 0 {
		bound = 10 * time.Second
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		for {
			p, _, err := c.findProtected(ctx, dir, tag)
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

// findProtected lists dir, once connected, until the listing succeeds and
// returns the path and Stat of the child whose name starts with tag, or ""
// if there is none (nor dir).
func (c *Client) findProtected(ctx context.Context, dir, tag string) (string, *Stat, error) {
	for {
		if err := c.waitConnected(ctx); err != nil {
			return "", nil, err
		}
		children, _, err := c.Children(ctx, dir)
		if errors.Is(err, ErrConnectionLoss) {
			continue
		}
		if errors.Is(err, ErrNoNode) {
			return "", nil, nil
		}
		if err != nil {
			return "", nil, err
		}
		i := slices.IndexFunc(children, func(ch string) bool { return strings.HasPrefix(ch, tag) })
		if i < 0 {
			return "", nil, nil
		}
		p := strings.TrimSuffix(dir, "/") + "/" + children[i]
		ok, st, err := c.Exists(ctx, p)
		if errors.Is(err, ErrConnectionLoss) {
			continue
		}
		if err != nil || !ok {
			return "", nil, err // gone meanwhile: not there
		}
		return p, st, nil
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
