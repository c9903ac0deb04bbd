package zk

// Ensemble tracking (WithEnsembleTracking): the client follows the
// ensemble's membership in /zookeeper/config and rebalances over it.
//
// One goroutine reads the config with a watch, applies it, and waits for
// the watch. The watch is an ordinary one-shot data watch of the watch
// manager, so it survives reconnects (SetWatches re-registers it, and the
// server fires it at once if the config changed while the client was
// away); only when it fires, or the session expires and a new one starts,
// does the goroutine read and watch again. So the client never holds more
// than one config watch, however often it reconnects (the leak of
// CURATOR-696 came from re-registering on every reconnect).

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"
)

// WithEnsembleTracking makes the client follow the ensemble's membership:
// it reads ConfigNode, keeps a watch on it, and whenever the config
// version grows replaces its server list with the client addresses of the
// members (UpdateServers). The load is then rebalanced as the Java
// client's StaticHostProvider.updateServerList does: when servers are
// added, each client moves to one of them with probability 1-N/M (N
// servers before, M after), so every member ends up with about an equal
// share and only the share that must move reconnects; a client whose
// server was removed moves to another member. A move keeps the session
// (calls in flight at that instant fail with ErrConnectionLoss, as on any
// reconnect).
//
// The member addresses are the client addresses of the "server.N=" lines
// ("...;clientHost:clientPort", the quorum host when the client host is
// missing or 0.0.0.0), compared with the current list as written: give
// Connect the addresses the ensemble's config uses, or the first config
// read looks like a new ensemble and moves every client. A config without
// client addresses (a standalone server's) keeps the list.
//
// Not available under a chroot or with WithHostProvider: Connect refuses
// them with ErrInvalidArgument.
func WithEnsembleTracking() Option { return func(c *config) { c.tracking = true } }

// UpdateServers replaces the client's server list by hand ("host:port"
// each, checked as Connect's are) and rebalances as WithEnsembleTracking
// does: if this client should move, it reconnects to a server the rule
// chose, keeping its session. A list of the same servers changes nothing.
// With WithEnsembleTracking the next config change replaces the list
// again. Refused (ErrInvalidArgument) with WithHostProvider.
func (c *Client) UpdateServers(servers []string) error {
	if err := c.conn.UpdateServers(servers); err != nil {
		return opErr("updateServers", "", err)
	}
	return nil
}

// Servers returns the client's current server list.
func (c *Client) Servers() []string { return c.conn.Servers() }

// checkTracking refuses what tracking cannot work with.
func (c *Client) checkTracking() error {
	if !c.cfg.tracking {
		return nil
	}
	if c.chroot != "" {
		return invalid("ensemble tracking watches %s, outside the chroot: not available under a chroot", ConfigNode)
	}
	if c.cfg.conn.HostProvider != nil {
		return invalid("ensemble tracking and a HostProvider both choose the servers")
	}
	return nil
}

// tracker is the goroutine that follows the config.
type tracker struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// startTracking starts the goroutine if WithEnsembleTracking was given.
func (c *Client) startTracking() *tracker {
	if !c.cfg.tracking {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &tracker{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(t.done)
		c.track(ctx)
	}()
	return t
}

// stop ends the goroutine and waits for it. Nil-safe.
func (t *tracker) stop() {
	if t == nil {
		return
	}
	t.cancel()
	<-t.done
}

// The pause after a failed config read that was not a disconnection
// (those wait for the next connection instead): trackRetry, doubling up
// to trackRetryCap while the failures last (a server without the config
// node answers ErrNoNode every time).
const (
	trackRetry    = time.Second
	trackRetryCap = time.Minute
)

// track reads and watches the config until ctx ends or the session is
// over for good.
func (c *Client) track(ctx context.Context) {
	log := c.cfg.conn.Logger
	if log == nil {
		log = slog.New(discard{})
	}
	applied := int64(-1)
	pause := trackRetry
	for {
		if err := c.waitConnected(ctx); err != nil {
			return // ctx ended, or the session is over (closed, expired, auth failed)
		}
		data, _, w, err := c.ConfigW(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Debug("zk: reading the ensemble config", "err", err)
			if !errors.Is(err, ErrConnectionLoss) && !errors.Is(err, ErrSessionExpired) {
				t := time.NewTimer(pause)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
				pause = min(2*pause, trackRetryCap)
			}
			continue
		}
		pause = trackRetry
		applied = c.applyConfig(log, data, applied)
		// The watch fires (a config change) or ends (expiry, Close): in
		// both cases read again, once connected.
		select {
		case <-w.Events():
		case <-ctx.Done():
			w.Stop()
			return
		}
	}
}

// applyConfig installs the member addresses of a config newer than
// applied, and returns the version now applied.
func (c *Client) applyConfig(log *slog.Logger, data []byte, applied int64) int64 {
	v, err := ConfigVersion(data)
	if err != nil || v <= applied {
		return applied // a standalone server's empty config, or nothing new
	}
	addrs := ConfigClientAddrs(data)
	if len(addrs) == 0 {
		log.Info("zk: ensemble config without client addresses; keeping the server list", "version", v)
		return v
	}
	if err := c.conn.UpdateServers(addrs); err != nil {
		log.Info("zk: ensemble config not applied", "version", v, "err", err)
		return v
	}
	log.Info("zk: ensemble config applied", "version", v, "servers", addrs)
	return v
}

// ConfigClientAddrs returns the client addresses ("host:port") of a
// config's "server.N=" lines, in order: the part after ';'
// ("[clientHost:]clientPort"), with the quorum host when the client host
// is missing or a wildcard (0.0.0.0, ::). Members without a client port
// are left out.
func ConfigClientAddrs(config []byte) []string {
	var out []string
	for _, line := range strings.Split(string(config), "\n") {
		key, spec, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || !strings.HasPrefix(key, "server.") {
			continue
		}
		quorum, client, ok := strings.Cut(spec, ";")
		if !ok || client == "" {
			continue
		}
		host, port, err := net.SplitHostPort(client)
		if err != nil {
			host, port = "", client // a bare port
		}
		if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
			host = quorumHost(quorum)
		}
		if host == "" || port == "" {
			continue
		}
		out = append(out, net.JoinHostPort(host, port))
	}
	return out
}

// quorumHost returns the host of a "host:quorumPort:electionPort[:role]"
// spec ("[v6]:..." for IPv6).
func quorumHost(spec string) string {
	if rest, ok := strings.CutPrefix(spec, "["); ok {
		h, _, _ := strings.Cut(rest, "]")
		return h
	}
	h, _, _ := strings.Cut(spec, ":")
	return h
}

// discard is a silent slog handler.
type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return false }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }
