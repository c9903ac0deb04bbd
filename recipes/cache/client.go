package cache

import (
	"context"

	"github.com/zkwire/zk"
)

// Client is what TreeCache needs of a ZooKeeper client; *zk.Client
// implements it.
type Client interface {
	AddWatch(ctx context.Context, path string, mode zk.AddWatchMode) (*zk.Watch, error)
	NewBatch(opts ...zk.BatchOption) *zk.Batch
	GetW(ctx context.Context, path string) ([]byte, *zk.Stat, *zk.Watch, error)
	ChildrenW(ctx context.Context, path string) ([]string, *zk.Stat, *zk.Watch, error)
	ExistsW(ctx context.Context, path string) (bool, *zk.Stat, *zk.Watch, error)
	SessionEvents(ctx context.Context) <-chan zk.SessionEvent
	SessionID() int64
	State() zk.State
}

var _ Client = (*zk.Client)(nil)
