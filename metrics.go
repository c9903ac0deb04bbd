package zk

import (
	"context"
	"time"

	"github.com/zkwire/zk/conn"
	"github.com/zkwire/zk/proto"
)

// Metrics receives the client's measurements, for a metrics system
// (Prometheus, expvar, OpenTelemetry...) to count; see WithMetrics.
// Methods are called from the goroutines of callers and of the client,
// concurrently: they must be safe for concurrent use, fast, and must not
// block or call back into the client. Gauges that need no events (watch
// registrations by kind, watch overflows) are read from Client.Stats.
type Metrics interface {
	// RequestStarted is called when an operation's request is submitted;
	// op is the protocol name of the operation ("getData", "create",
	// "multi", ...). Requests in flight are those started and not done.
	RequestStarted(op string)
	// RequestDone is called exactly once per RequestStarted, when the
	// caller gets its answer: err is nil, a server error (ErrNoNode...) or
	// a client one (ErrConnectionLoss, a context error...). latency runs
	// from submission to that answer, queueing while disconnected
	// included.
	RequestDone(op string, latency time.Duration, err error)
	// Reconnected is called when the client is connected again to its
	// existing session after a connection loss (read-write or read-only).
	Reconnected()
	// SessionExpired is called when the server reports the session
	// expired.
	SessionExpired()
}

// WithMetrics reports requests, reconnects and expiries to m. Without it
// the cost is one nil check per request: nothing is timed or allocated.
func WithMetrics(m Metrics) Option { return func(c *config) { c.metrics = m } }

// Stats are gauges and counters of one client, for metrics.
type Stats struct {
	// Watches counts server watch registrations by kind (a registration
	// shared by many local watches counts once), as Watches lists them.
	Watches map[WatchKind]int
	// Watchers is the number of live local watches.
	Watchers int
	// WatchOverflows counts watches ended by ErrWatchOverflow since
	// Connect.
	WatchOverflows uint64
}

// Stats returns the client's current watch gauges and counters.
func (c *Client) Stats() Stats {
	s := Stats{Watches: make(map[WatchKind]int)}
	for _, r := range c.wm.Watches() {
		s.Watches[r.Kind]++
	}
	ws := c.wm.Stats()
	s.Watchers, s.WatchOverflows = ws.Watchers, ws.Overflows
	return s
}

// exec runs one call (conn.Do), reporting it to the metrics if they are
// on. Every operation goes through it.
func (c *Client) exec(ctx context.Context, call *conn.Call) error {
	if c.cfg.metrics == nil {
		return c.conn.Do(ctx, call)
	}
	start := c.requestStarted(call.Op)
	err := c.conn.Do(ctx, call)
	c.requestDone(call.Op, start, err)
	return err
}

// requestStarted tells the metrics a request is submitted; only called
// when metrics are on.
func (c *Client) requestStarted(op proto.Op) time.Time {
	c.cfg.metrics.RequestStarted(op.String())
	return time.Now()
}

// requestDone tells the metrics a request has its answer.
func (c *Client) requestDone(op proto.Op, start time.Time, err error) {
	c.cfg.metrics.RequestDone(op.String(), time.Since(start), err)
}

// stateMetrics counts reconnects and expiries; called for every state
// change.
func (c *Client) stateMetrics(st State, newSession bool) {
	m := c.cfg.metrics
	if m == nil {
		return
	}
	switch {
	case st == StateExpired:
		m.SessionExpired()
	case (st == StateConnected || st == StateConnectedReadOnly) && !newSession:
		m.Reconnected()
	}
}
