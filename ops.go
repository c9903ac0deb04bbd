package zk

import (
	"context"
	"errors"
	"strings"

	"github.com/zkwire/zk/conn"
	"github.com/zkwire/zk/proto"
)

// The most frequent operations keep their call, request and response in
// one allocation: a Get costs two (this and the data it returns), a Set
// one, a plain Create and a Delete two together (`go test -run '^$'
// -bench Client ./bench`). The records point into the struct, and what a
// caller gets back (data, *Stat) keeps only it alive.
type (
	getCall struct {
		call conn.Call
		req  proto.GetDataRequest
		resp proto.GetDataResponse
	}
	setCall struct {
		call conn.Call
		req  proto.SetDataRequest
		resp proto.SetDataResponse
	}
	existsCall struct {
		call conn.Call
		req  proto.ExistsRequest
		resp proto.ExistsResponse
	}
	childrenCall struct {
		call conn.Call
		req  proto.GetChildren2Request
		resp proto.GetChildren2Response
	}
	createCall struct {
		call conn.Call
		req  proto.CreateRequest
		resp proto.CreateResponse
	}
	deleteCall struct {
		call conn.Call
		req  proto.DeleteRequest
	}
)

// Delete removes the node at path if its version matches (-1: any).
func (c *Client) Delete(ctx context.Context, path string, version int32) error {
	if err := validPath("delete", path); err != nil {
		return err
	}
	o := &deleteCall{req: proto.DeleteRequest{Path: c.chroot.Prefix(path), Version: version}}
	o.call = conn.Call{Op: proto.OpDelete, Req: &o.req}
	return c.roundTrip(ctx, "delete", path, &o.call)
}

// Exists reports whether the node exists, and its Stat if it does.
func (c *Client) Exists(ctx context.Context, path string) (bool, *Stat, error) {
	if err := validPath("exists", path); err != nil {
		return false, nil, err
	}
	o := &existsCall{req: proto.ExistsRequest{Path: c.chroot.Prefix(path)}}
	o.call = conn.Call{Op: proto.OpExists, Req: &o.req, Resp: &o.resp}
	err := c.roundTrip(ctx, "exists", path, &o.call)
	if errors.Is(err, ErrNoNode) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	return true, &o.resp.Stat, nil
}

// Get returns the node's data and Stat.
func (c *Client) Get(ctx context.Context, path string) ([]byte, *Stat, error) {
	if err := validPath("get", path); err != nil {
		return nil, nil, err
	}
	o := &getCall{req: proto.GetDataRequest{Path: c.chroot.Prefix(path)}}
	o.call = conn.Call{Op: proto.OpGetData, Req: &o.req, Resp: &o.resp}
	if err := c.roundTrip(ctx, "get", path, &o.call); err != nil {
		return nil, nil, err
	}
	return o.resp.Data, &o.resp.Stat, nil
}

// Set replaces the node's data if its version matches (-1: any).
func (c *Client) Set(ctx context.Context, path string, data []byte, version int32) (*Stat, error) {
	if err := validPath("set", path); err != nil {
		return nil, err
	}
	o := &setCall{req: proto.SetDataRequest{Path: c.chroot.Prefix(path), Data: data, Version: version}}
	o.call = conn.Call{Op: proto.OpSetData, Req: &o.req, Resp: &o.resp}
	if err := c.roundTrip(ctx, "set", path, &o.call); err != nil {
		return nil, err
	}
	return &o.resp.Stat, nil
}

// Children returns the names (not paths) of the node's children, in no
// particular order, and the node's Stat.
func (c *Client) Children(ctx context.Context, path string) ([]string, *Stat, error) {
	if err := validPath("children", path); err != nil {
		return nil, nil, err
	}
	o := &childrenCall{req: proto.GetChildren2Request{Path: c.chroot.Prefix(path)}}
	o.call = conn.Call{Op: proto.OpGetChildren2, Req: &o.req, Resp: &o.resp}
	if err := c.roundTrip(ctx, "children", path, &o.call); err != nil {
		return nil, nil, err
	}
	return o.resp.Children, &o.resp.Stat, nil
}

// GetACL returns the node's ACL and Stat.
func (c *Client) GetACL(ctx context.Context, path string) ([]ACL, *Stat, error) {
	if err := validPath("getACL", path); err != nil {
		return nil, nil, err
	}
	resp := &proto.GetACLResponse{}
	if _, err := c.do(ctx, "getACL", path, proto.OpGetACL, &proto.GetACLRequest{Path: c.chroot.Prefix(path)}, resp); err != nil {
		return nil, nil, err
	}
	return resp.ACL, &resp.Stat, nil
}

// SetACL replaces the node's ACL if its ACL version matches (-1: any).
func (c *Client) SetACL(ctx context.Context, path string, acl []ACL, version int32) (*Stat, error) {
	if err := validPath("setACL", path); err != nil {
		return nil, err
	}
	if err := validACL(acl); err != nil {
		return nil, opErr("setACL", path, err)
	}
	resp := &proto.SetACLResponse{}
	if _, err := c.do(ctx, "setACL", path, proto.OpSetACL, &proto.SetACLRequest{Path: c.chroot.Prefix(path), ACL: acl, Version: version}, resp); err != nil {
		return nil, err
	}
	return &resp.Stat, nil
}

// Sync makes the connected server catch up with the leader, so reads sent
// after it see at least everything committed before it.
func (c *Client) Sync(ctx context.Context, path string) error {
	if err := validPath("sync", path); err != nil {
		return err
	}
	_, err := c.do(ctx, "sync", path, proto.OpSync, &proto.SyncRequest{Path: c.chroot.Prefix(path)}, &proto.SyncResponse{})
	return err
}

// Ephemerals lists the paths of this session's ephemeral nodes that start
// with prefix ("/" for all). Servers 3.6+.
func (c *Client) Ephemerals(ctx context.Context, prefix string) ([]string, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, opErr("getEphemerals", prefix, err)
	}
	if !strings.HasPrefix(prefix, "/") {
		return nil, opErr("getEphemerals", prefix, invalid("prefix must start with /"))
	}
	resp := &proto.GetEphemeralsResponse{}
	if _, err := c.do(ctx, "getEphemerals", prefix, proto.OpGetEphemerals, &proto.GetEphemeralsRequest{PrefixPath: c.chroot.Prefix(prefix)}, resp); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(resp.Ephemerals))
	for _, p := range resp.Ephemerals {
		// The server matches the prefix as a plain string: under a chroot
		// "/app" it also returns "/app2/..." nodes. Keep ours only.
		if c.inChroot(p) {
			out = append(out, c.chroot.Strip(p))
		}
	}
	return out, nil
}

// AllChildrenNumber returns how many descendants the node has (not
// counting itself). Servers 3.6+.
func (c *Client) AllChildrenNumber(ctx context.Context, path string) (int, error) {
	if err := validPath("getAllChildrenNumber", path); err != nil {
		return 0, err
	}
	resp := &proto.GetAllChildrenNumberResponse{}
	if _, err := c.do(ctx, "getAllChildrenNumber", path, proto.OpGetAllChildrenNumber, &proto.GetAllChildrenNumberRequest{Path: c.chroot.Prefix(path)}, resp); err != nil {
		return 0, err
	}
	return int(resp.TotalNumber), nil
}

// WhoAmI returns the identities the server associates with this session.
// Servers 3.7+.
func (c *Client) WhoAmI(ctx context.Context) ([]ClientInfo, error) {
	resp := &proto.WhoAmIResponse{}
	if _, err := c.do(ctx, "whoAmI", "", proto.OpWhoAmI, nil, resp); err != nil {
		return nil, err
	}
	return resp.ClientInfo, nil
}

// AddAuth adds credentials to the session; they are sent again on every
// reconnect. A scheme the server does not know fails with ErrAuthFailed and
// is not kept.
func (c *Client) AddAuth(ctx context.Context, scheme string, auth []byte) error {
	if err := checkCtx(ctx); err != nil {
		return opErr("addAuth", "", err)
	}
	if scheme == "" {
		return opErr("addAuth", "", invalid("empty scheme"))
	}
	return opErr("addAuth", "", c.conn.AddAuth(ctx, scheme, auth))
}

// inChroot reports whether a server path lies under the chroot.
func (c *Client) inChroot(p string) bool {
	r := string(c.chroot)
	return r == "" || p == r || strings.HasPrefix(p, r+"/")
}
