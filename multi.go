package zk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zkwire/zk/proto"
)

// Op is one operation of a Multi transaction: CreateOp, DeleteOp, SetOp or
// CheckOp.
type Op struct {
	name    string
	path    string
	code    proto.Op
	data    []byte
	mode    CreateMode
	acl     []ACL
	version int32
	ttl     int64 // milliseconds, as sent
}

// CreateOp creates a node (TTL modes need CreateTTLOp). A sequential path
// ending in "/" works as in Create: the node lands inside, also inside a
// chroot.
func CreateOp(path string, data []byte, mode CreateMode, acl []ACL) Op {
	return Op{name: "create", path: path, code: proto.OpCreate, data: data, mode: mode, acl: acl}
}

// CreateTTLOp creates a TTL node, as CreateTTL does: ttl has millisecond
// precision, and mode and ttl are checked as CreateTTL checks them (a
// non-TTL mode is refused, not ignored).
func CreateTTLOp(path string, data []byte, mode CreateMode, acl []ACL, ttl time.Duration) Op {
	return Op{name: "createTTL", path: path, code: proto.OpCreateTTL, data: data, mode: mode, acl: acl, ttl: ttl.Milliseconds()}
}

// DeleteOp deletes a node if its version matches (-1: any).
func DeleteOp(path string, version int32) Op {
	return Op{name: "delete", path: path, code: proto.OpDelete, version: version}
}

// SetOp sets a node's data if its version matches (-1: any).
func SetOp(path string, data []byte, version int32) Op {
	return Op{name: "set", path: path, code: proto.OpSetData, data: data, version: version}
}

// CheckOp makes the transaction fail unless the node's version matches
// (-1: only that it exists).
func CheckOp(path string, version int32) Op {
	return Op{name: "check", path: path, code: proto.OpCheck, version: version}
}

// OpResult is the outcome of one Multi operation.
type OpResult struct {
	Path string // create: the created path
	Stat *Stat  // set (and createTTL/createContainer): the new Stat
	Err  error  // the op's own error when the transaction failed
}

// MultiError says which operation made a transaction fail. Nothing of the
// transaction was applied.
type MultiError struct {
	Index int    // position of the failing op
	Op    string // its kind
	Path  string // its path
	Err   error  // its error (errors.Is works on it)
}

func (e *MultiError) Error() string {
	return fmt.Sprintf("zk: multi op %d (%s %s) failed: %s", e.Index, e.Op, clipPath(e.Path), trimPrefix(e.Err))
}

func (e *MultiError) Unwrap() error { return e.Err }

// Multi applies ops atomically: all of them or none. When one fails the
// error is a *MultiError naming it, and every result carries its op's code
// (the ops after it: ErrRuntimeInconsistency).
func (c *Client) Multi(ctx context.Context, ops ...Op) ([]OpResult, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, opErr("multi", "", err)
	}
	if len(ops) == 0 {
		return nil, nil
	}
	req := &proto.MultiRequest{Ops: make([]proto.MultiOp, len(ops))}
	for i, o := range ops {
		r, code, err := c.multiOp(o)
		if err != nil {
			return nil, opErr("multi", o.path, fmt.Errorf("op %d: %w", i, err))
		}
		req.Ops[i] = proto.MultiOp{Op: code, Req: r}
	}
	resp := &proto.MultiResponse{}
	if _, err := c.do(ctx, "multi", "", proto.OpMulti, req, resp); err != nil {
		return nil, err
	}
	if len(resp.Results) != len(ops) {
		return nil, opErr("multi", "", fmt.Errorf("%w: %d results for %d ops", ErrMarshallingError, len(resp.Results), len(ops)))
	}
	out := make([]OpResult, len(ops))
	var first error
	for i, r := range resp.Results {
		if r.Err != proto.ErrOK {
			out[i].Err = r.Err
			if first == nil && r.Err != proto.ErrRuntimeInconsistency {
				first = &MultiError{Index: i, Op: ops[i].name, Path: ops[i].path, Err: r.Err}
			}
			continue
		}
		switch body := r.Resp.(type) {
		case *proto.CreateResponse:
			out[i].Path = c.chroot.Strip(body.Path)
		case *proto.Create2Response:
			out[i].Path = c.chroot.Strip(body.Path)
			out[i].Stat = &body.Stat
		case *proto.SetDataResponse:
			out[i].Stat = &body.Stat
		}
	}
	if first == nil {
		// Every failed op reported only RuntimeInconsistency: still a failure.
		for i, r := range out {
			if r.Err != nil {
				first = &MultiError{Index: i, Op: ops[i].name, Path: ops[i].path, Err: r.Err}
				break
			}
		}
	}
	if first != nil {
		return out, opErr("multi", "", first)
	}
	return out, nil
}

func (c *Client) multiOp(o Op) (proto.Record, proto.Op, error) {
	seq := o.code == proto.OpCreate || o.code == proto.OpCreateTTL
	if err := ValidatePath(o.path, seq && o.mode.IsSequential()); err != nil {
		return nil, 0, err
	}
	full := c.chroot.Prefix(o.path)
	switch o.code {
	case proto.OpCreate, proto.OpCreateTTL:
		full = c.createPath(o.path, o.mode.IsSequential())
		if !o.mode.Valid() {
			return nil, 0, invalid("unknown create mode %d", o.mode)
		}
		if err := validACL(o.acl); err != nil {
			return nil, 0, err
		}
		switch {
		case o.code == proto.OpCreateTTL:
			if err := checkTTL(o.mode, o.ttl); err != nil {
				return nil, 0, err
			}
			return &proto.CreateTTLRequest{Path: full, Data: o.data, ACL: o.acl, Flags: o.mode, TTL: o.ttl}, proto.OpCreateTTL, nil
		case o.mode.IsTTL():
			return nil, 0, invalid("mode %d is a TTL mode: use CreateTTLOp", o.mode)
		case o.mode == Container:
			return &proto.CreateRequest{Path: full, Data: o.data, ACL: o.acl, Flags: o.mode}, proto.OpCreateContainer, nil
		}
		return &proto.CreateRequest{Path: full, Data: o.data, ACL: o.acl, Flags: o.mode}, proto.OpCreate, nil
	case proto.OpDelete:
		return &proto.DeleteRequest{Path: full, Version: o.version}, o.code, nil
	case proto.OpSetData:
		return &proto.SetDataRequest{Path: full, Data: o.data, Version: o.version}, o.code, nil
	case proto.OpCheck:
		return &proto.CheckVersionRequest{Path: full, Version: o.version}, o.code, nil
	}
	return nil, 0, invalid("empty op")
}

// ReadOp is one read of MultiRead: GetOp or ChildrenOp.
type ReadOp struct {
	path     string
	children bool
}

// GetOp reads a node's data in MultiRead.
func GetOp(path string) ReadOp { return ReadOp{path: path} }

// ChildrenOp lists a node's children in MultiRead.
func ChildrenOp(path string) ReadOp { return ReadOp{path: path, children: true} }

// ReadResult is the outcome of one MultiRead operation.
type ReadResult struct {
	Data     []byte
	Stat     *Stat // GetOp only
	Children []string
	Err      error
}

// MultiRead runs reads in one round trip (servers 3.6+). It is not a
// transaction: each read succeeds or fails on its own, in ReadResult.Err.
func (c *Client) MultiRead(ctx context.Context, ops ...ReadOp) ([]ReadResult, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, opErr("multiRead", "", err)
	}
	if len(ops) == 0 {
		return nil, nil
	}
	req := &proto.MultiRequest{Ops: make([]proto.MultiOp, len(ops))}
	for i, o := range ops {
		if err := ValidatePath(o.path, false); err != nil {
			return nil, opErr("multiRead", o.path, fmt.Errorf("op %d: %w", i, err))
		}
		if o.children {
			req.Ops[i] = proto.MultiOp{Op: proto.OpGetChildren, Req: &proto.GetChildrenRequest{Path: c.chroot.Prefix(o.path)}}
		} else {
			req.Ops[i] = proto.MultiOp{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: c.chroot.Prefix(o.path)}}
		}
	}
	resp := &proto.MultiResponse{}
	if _, err := c.do(ctx, "multiRead", "", proto.OpMultiRead, req, resp); err != nil {
		return nil, err
	}
	if len(resp.Results) != len(ops) {
		return nil, opErr("multiRead", "", fmt.Errorf("%w: %d results for %d ops", ErrMarshallingError, len(resp.Results), len(ops)))
	}
	out := make([]ReadResult, len(ops))
	for i, r := range resp.Results {
		if r.Err != proto.ErrOK {
			out[i].Err = opErr("multiRead", ops[i].path, r.Err)
			continue
		}
		switch body := r.Resp.(type) {
		case *proto.GetDataResponse:
			out[i].Data, out[i].Stat = body.Data, &body.Stat
		case *proto.GetChildrenResponse:
			out[i].Children = body.Children
		default:
			out[i].Err = opErr("multiRead", ops[i].path, errors.New("zk: unexpected result type"))
		}
	}
	return out, nil
}
