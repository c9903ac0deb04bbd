package conn

import (
	"context"
	"log/slog"

	"github.com/zkwire/zk/proto"
)

// Start is Dial without the wait: it returns at once, and the session is
// established in the background (state StateConnecting until then). Calls
// submitted meanwhile queue until the first connection takes them, as
// calls made while disconnected do. Unreachable servers are retried until
// Close; a rejected credential ends the session (StateAuthFailed). Only a
// bad Config is an error. It serves clients whose API promises a
// connection handle before any server has answered (go-zookeeper's).
func Start(cfg Config) (*Conn, error) {
	c, _, err := start(cfg)
	return c, err
}

// start checks cfg and starts the session goroutine. first receives the
// outcome of the first session (nil once connected); it is buffered, so
// the session goroutine never waits for anyone to read it.
func start(cfg Config) (*Conn, <-chan error, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(nopHandler{})
	}
	c := &Conn{
		cfg:    cfg,
		log:    log,
		chroot: Chroot(cfg.Chroot),
		hosts:  newHostList(cfg.Servers, cfg.HostProvider),
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		state:  proto.StateConnecting,
		auth:   cfg.Auth,
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	first := make(chan error, 1)
	go c.run(first)
	return c, first, nil
}
