package cache

import (
	"context"

	"github.com/zkwire/zk"
)

// Client is what TreeCache needs of a ZooKeeper client; *zk.Client
// implements it.
type Client interface {
	AddWatch(ctx context.Context, path string, kind zk.WatchKind, opts ...zk.WatchOption) (*zk.Watch, error)
	NewBatch(opts ...zk.BatchOption) *zk.Batch
	GetW(ctx context.Context, path string, opts ...zk.WatchOption) ([]byte, *zk.Stat, *zk.Watch, error)
	ChildrenW(ctx context.Context, path string, opts ...zk.WatchOption) ([]string, *zk.Stat, *zk.Watch, error)
	ExistsW(ctx context.Context, path string, opts ...zk.WatchOption) (bool, *zk.Stat, *zk.Watch, error)
	SessionEvents(ctx context.Context) <-chan zk.SessionEvent
	SessionID() int64
	State() zk.State
}

var _ Client = (*zk.Client)(nil)
