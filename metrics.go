package zk

import (
	"time"
)

// Metrics receives the client's measurements, for a metrics system
// (Prometheus, expvar, OpenTelemetry...) to count; see WithMetrics.
// Methods are called from the goroutines of callers and of the client,
// concurrently: they must be safe for concurrent use, fast, and must not
// block or call back into the client. Gauges that need no events (watch
// registrations by kind, watch overflows) are read from Client.Stats.
type Metrics interface {
	// RequestStarted is called when a request is submitted; op is its
	// protocol name ("getData", "create", "multi", "removeWatches"...).
	// Every request the client sends for its operations is counted,
	// including the removals Watch.Stop sends without waiting; AddAuth's
	// credentials, which belong to the connection, are not. Requests in
	// flight are those started and not done.
	RequestStarted(op string)
	// RequestDone is called exactly once per RequestStarted, when the
	// caller gets its answer (for a request nobody waits for, when it
	// completes): err is nil, a server error (ErrNoNode...) or a client
	// one (ErrConnectionLoss, a context error...). latency runs from
	// submission to that answer, queueing while disconnected included.
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

// stateMetrics counts reconnects and expiries; called for every state
// change.
func (c *Client) stateMetrics(ev SessionEvent) {
	m := c.cfg.metrics
	if m == nil {
		return
	}
	switch st := ev.State; {
	case st == StateExpired:
		m.SessionExpired()
	case (st == StateConnected || st == StateConnectedReadOnly) && !ev.NewSession:
		m.Reconnected()
	}
}
