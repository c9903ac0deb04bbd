package conn

// The first reconnect after a healthy connection is spread out.

import (
	"context"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk/proto"
)

// The delays chosen for 50 clients' first reconnect spread over at least
// 500 ms (when the session timeout allows it), and never exceed their
// bound, a tenth of the session timeout.
func TestReconnectJitterSpread(t *testing.T) {
	const clients = 50
	for _, timeout := range []time.Duration{2 * time.Second, 10 * time.Second, 30 * time.Second} {
		limit := min(reconnectJitterCap, timeout/10)
		delays := make([]time.Duration, clients)
		for i := range delays {
			delays[i] = reconnectJitter(timeout)
			if delays[i] < 0 || delays[i] >= limit {
				t.Fatalf("timeout %v: delay %v outside [0, %v)", timeout, delays[i], limit)
			}
		}
		spread := slices.Max(delays) - slices.Min(delays)
		t.Logf("timeout %v: %d clients' first reconnect delays spread over %v (bound %v)", timeout, clients, spread, limit)
		if limit >= 700*time.Millisecond && spread < 500*time.Millisecond {
			t.Fatalf("timeout %v: %d clients' first reconnects spread over only %v", timeout, clients, spread)
		}
	}
}

// dialClock records when each client dials.
type dialClock struct {
	mu    sync.Mutex
	times map[int][]time.Time
}

func (d *dialClock) dialer(i int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		d.mu.Lock()
		d.times[i] = append(d.times[i], time.Now())
		d.mu.Unlock()
		var nd net.Dialer
		return nd.DialContext(ctx, network, addr)
	}
}

// 50 clients behind one proxy, connected for longer than a healthy
// connection, lose their connections at the same instant: their first
// reconnect attempts spread out (the figure is logged; the assertion is a
// lower bound far below the expected spread, which load cannot shrink).
func TestReconnectSpreadReal(t *testing.T) {
	if testing.Short() {
		t.Skip("50 sessions")
	}
	const clients = 50
	p := startProxy(t, srv.Addr())
	clock := &dialClock{times: map[int][]time.Time{}}
	recs := make([]*recorder, clients)
	for i := range recs {
		recs[i] = newRecorder()
		dial(t, Config{Servers: []string{p.Addr()}, SessionTimeout: 10 * time.Second, Dialer: clock.dialer(i), Events: recs[i]})
	}
	time.Sleep(healthyConnection) // every connection counts as healthy
	cut := time.Now()
	p.Cut()
	for _, r := range recs {
		r.waitUntil(t, 30*time.Second, "a reconnect", func() bool { return r.count(proto.StateSyncConnected) == 2 })
	}
	var first []time.Duration
	clock.mu.Lock()
	for i := 0; i < clients; i++ {
		for _, at := range clock.times[i] {
			if at.After(cut) {
				first = append(first, at.Sub(cut))
				break
			}
		}
	}
	clock.mu.Unlock()
	if len(first) != clients {
		t.Fatalf("%d of %d clients redialed", len(first), clients)
	}
	spread := slices.Max(first) - slices.Min(first)
	t.Logf("%d clients' first reconnect after the cut: from %v to %v, spread %v", clients,
		slices.Min(first).Round(time.Millisecond), slices.Max(first).Round(time.Millisecond), spread.Round(time.Millisecond))
	if spread < 250*time.Millisecond {
		t.Fatalf("%d clients' first reconnects spread over only %v", clients, spread)
	}
}
