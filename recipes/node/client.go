package node

import (
	"context"

	"github.com/zkwire/zk"
)

// Client is the part of *zk.Client the recipe uses.
type Client interface {
	EnsurePath(ctx context.Context, path string, acl []zk.ACL, opts ...zk.EnsureOption) error
	Create(ctx context.Context, path string, data []byte, mode zk.CreateMode, acl []zk.ACL) (string, error)
	CreateProtected(ctx context.Context, path string, data []byte, mode zk.CreateMode, acl []zk.ACL) (string, *zk.Stat, error)
	Set(ctx context.Context, path string, data []byte, version int32) (*zk.Stat, error)
	Delete(ctx context.Context, path string, version int32) error
	ExistsW(ctx context.Context, path string) (bool, *zk.Stat, *zk.Watch, error)
	Children(ctx context.Context, path string) ([]string, *zk.Stat, error)
	SessionID() int64
	SessionEvents(ctx context.Context) <-chan zk.SessionEvent
}

var _ Client = (*zk.Client)(nil)
