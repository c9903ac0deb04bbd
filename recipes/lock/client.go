package lock

import (
	"context"

	"github.com/zkwire/zk"
)

// Client is what the recipes need of a ZooKeeper client; *zk.Client
// satisfies it.
type Client interface {
	CreateProtected(ctx context.Context, path string, data []byte, mode zk.CreateMode, acl []zk.ACL) (string, *zk.Stat, error)
	EnsurePath(ctx context.Context, path string, acl []zk.ACL, opts ...zk.EnsureOption) error
	Delete(ctx context.Context, path string, version int32) error
	Exists(ctx context.Context, path string) (bool, *zk.Stat, error)
	ExistsW(ctx context.Context, path string) (bool, *zk.Stat, *zk.Watch, error)
	GetW(ctx context.Context, path string) ([]byte, *zk.Stat, *zk.Watch, error)
	Children(ctx context.Context, path string) ([]string, *zk.Stat, error)
	ChildrenW(ctx context.Context, path string) ([]string, *zk.Stat, *zk.Watch, error)
	Multi(ctx context.Context, ops ...zk.Op) ([]zk.OpResult, error)
	SessionEvents(ctx context.Context) <-chan zk.SessionEvent
	State() zk.State
	SessionID() int64
}

var _ Client = (*zk.Client)(nil)

// Option configures a Mutex, RWMutex or Semaphore.
type Option func(*options)

type options struct {
	data []byte
	acl  []zk.ACL
}

// WithData stores data in the contender's node (for example who holds the
// lock, for operators and for election.Latch).
func WithData(data []byte) Option {
	return func(o *options) { o.data = append([]byte(nil), data...) }
}

// WithACL sets the ACL of the nodes the recipe creates (default: everyone
// may do everything, zk.WorldACL(zk.PermAll)).
func WithACL(acl []zk.ACL) Option { return func(o *options) { o.acl = acl } }

func applyOptions(opts []Option) options {
	o := options{acl: zk.WorldACL(zk.PermAll)}
	for _, f := range opts {
		f(&o)
	}
	return o
}
