package discovery

import (
	"context"
	"fmt"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/cache"
)

// Client is what Registry and Discoverer need of a ZooKeeper client;
// *zk.Client implements it.
type Client interface {
	EnsurePath(ctx context.Context, path string, acl []zk.ACL, opts ...zk.EnsureOption) error
	cache.Client
	Create(ctx context.Context, path string, data []byte, mode zk.CreateMode, acl []zk.ACL) (string, error)
	Get(ctx context.Context, path string) ([]byte, *zk.Stat, error)
	Set(ctx context.Context, path string, data []byte, version int32) (*zk.Stat, error)
	Delete(ctx context.Context, path string, version int32) error
}

var _ Client = (*zk.Client)(nil)

// DefaultBasePath is where services live unless WithBasePath says otherwise.
const DefaultBasePath = "/services"

// Option configures a Registry or a Discoverer; each ignores the options
// meant for the other.
type Option func(*config)

type config struct {
	base      string
	acl       []zk.ACL
	balancer  Balancer
	cacheOpts []cache.Option
}

// WithBasePath puts services under base instead of DefaultBasePath.
func WithBasePath(base string) Option { return func(c *config) { c.base = base } }

// WithACL sets the ACL of the nodes a Registry creates (default: world,
// all permissions).
func WithACL(acl []zk.ACL) Option { return func(c *config) { c.acl = acl } }

// WithBalancer sets how Discoverer.Pick chooses (default RoundRobin).
func WithBalancer(b Balancer) Option { return func(c *config) { c.balancer = b } }

// WithCacheOptions passes options to a Discoverer's cache.TreeCache, such
// as cache.WithOneShotWatches.
func WithCacheOptions(opts ...cache.Option) Option {
	return func(c *config) { c.cacheOpts = append(c.cacheOpts, opts...) }
}

func newConfig(opts []Option) (config, error) {
	cfg := config{base: DefaultBasePath, acl: zk.WorldACL(zk.PermAll)}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := zk.ValidatePath(cfg.base, false); err != nil {
		return cfg, fmt.Errorf("discovery: base path %q: %w", cfg.base, err)
	}
	if len(cfg.acl) == 0 {
		return cfg, fmt.Errorf("discovery: empty ACL: %w", zk.ErrInvalidArgument)
	}
	if cfg.balancer == nil {
		cfg.balancer = RoundRobin()
	}
	return cfg, nil
}

// join appends path segments to a base path.
func join(base string, names ...string) string {
	p := base
	for _, n := range names {
		if p == "/" {
			p += n
		} else {
			p += "/" + n
		}
	}
	return p
}
