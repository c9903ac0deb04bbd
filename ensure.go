package zk

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/zkwire/zk/proto"
)

// EnsureOption changes what EnsurePath makes.
type EnsureOption func(*ensureOptions)

type ensureOptions struct {
	leaf CreateMode // the mode of path's own node
}

// ContainerLeaf makes EnsurePath create path's own node as a container
// (see CreateContainer): the server deletes it once it has had children
// and has none left, so a lock's or a group's node does not outlive its
// last user. Its ancestors stay persistent. A node that exists already is
// left as it is, whatever its type.
func ContainerLeaf() EnsureOption {
	return func(o *ensureOptions) { o.leaf = Container }
}

// EnsurePath creates path and each missing ancestor as an empty persistent
// node with acl (nil: WorldACL(PermAll)), as recipes need before they put
// children under a node (ContainerLeaf makes path's own node a
// container). Nodes that exist already, whoever made them, are fine, so a
// create whose reply was lost to connection loss is simply sent again;
// EnsurePath retries those until ctx ends. It returns the first other
// error (ErrNoAuth, ErrNoChildrenForEphemerals, ...). Under a chroot that
// does not exist yet, the chroot's own nodes are ancestors on the server
// and are made too (as Curator makes its namespace).
func (c *Client) EnsurePath(ctx context.Context, path string, acl []ACL, opts ...EnsureOption) error {
	if err := validPath("ensurePath", path); err != nil {
		return err
	}
	if path == "/" {
		return nil
	}
	if acl == nil {
		acl = WorldACL(PermAll)
	}
	o := ensureOptions{leaf: Persistent}
	for _, f := range opts {
		if f == nil {
			return opErr("ensurePath", path, invalid("nil EnsureOption"))
		}
		f(&o)
	}
	madeRoot := false
	for i := 1; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		mode := Persistent
		if i == len(path) {
			mode = o.leaf
		}
		for {
			_, err := c.Create(ctx, path[:i], nil, mode, acl)
			if err == nil || errors.Is(err, ErrNodeExists) {
				break
			}
			if errors.Is(err, ErrNoNode) && c.chroot != "" && !madeRoot && !strings.Contains(path[1:i], "/") {
				// The first level's parent is the chroot itself: missing.
				madeRoot = true
				if err := c.ensureChroot(ctx, acl); err != nil {
					return err
				}
				continue
			}
			if !errors.Is(err, ErrConnectionLoss) || ctx.Err() != nil {
				return err
			}
		}
	}
	return nil
}

// ensureChroot makes the chroot's nodes on the server, each level that is
// missing. Their paths are the server's, so they go out unprefixed.
func (c *Client) ensureChroot(ctx context.Context, acl []ACL) error {
	root := string(c.chroot)
	for i := 1; i <= len(root); i++ {
		if i < len(root) && root[i] != '/' {
			continue
		}
		for {
			req := &proto.CreateRequest{Path: root[:i], ACL: acl, Flags: Persistent}
			_, err := c.do(ctx, "ensurePath", "", proto.OpCreate, req, &proto.CreateResponse{})
			if err == nil || errors.Is(err, ErrNodeExists) {
				break
			}
			if !errors.Is(err, ErrConnectionLoss) || ctx.Err() != nil {
				return opErr("ensurePath", "", fmt.Errorf("making the chroot %s: %w", clipPath(root), errors.Unwrap(err)))
			}
		}
	}
	return nil
}
