package zk

import (
	"context"
	"errors"
)

// EnsurePath creates path and each missing ancestor as an empty persistent
// node with acl (nil: WorldACL(PermAll)), as recipes need before they put
// children under a node. Nodes that exist already, whoever made them, are
// fine, so a create whose reply was lost to connection loss is simply sent
// again; EnsurePath retries those until ctx ends. It returns the first
// other error (ErrNoAuth, ErrNoChildrenForEphemerals, ...).
func (c *Client) EnsurePath(ctx context.Context, path string, acl []ACL) error {
	if err := validPath("ensurePath", path); err != nil {
		return err
	}
	if path == "/" {
		return nil
	}
	if acl == nil {
		acl = WorldACL(PermAll)
	}
	for i := 1; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		for {
			_, err := c.Create(ctx, path[:i], nil, Persistent, acl)
			if err == nil || errors.Is(err, ErrNodeExists) {
				break
			}
			if !errors.Is(err, ErrConnectionLoss) || ctx.Err() != nil {
				return err
			}
		}
	}
	return nil
}
