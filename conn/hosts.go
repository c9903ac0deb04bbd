package conn

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// hostList is the server list, shuffled once so that clients spread over
// the ensemble, then walked round-robin (Java's StaticHostProvider).
// Addresses stay "host:port" strings: the dialer resolves names on every
// attempt, so a server that moved is found again. The session goroutine
// picks from it; UpdateServers replaces it from any goroutine
// (rebalance.go), so everything is guarded by mu.
type hostList struct {
	provider HostProvider // when set, it picks instead of the round-robin; immutable

	mu        sync.Mutex
	addrs     []string
	next      int
	preferred string // tried next, once (a read-write server found by the prober)
	current   string // the server last picked (being tried, or connected to)

	// Set by update until the next connection: the client is moving, and
	// picks among the servers the update added (news) with probability
	// probNew, else among the surviving ones (olds), each walked in order.
	reconfig         bool
	olds, news       []string
	nextOld, nextNew int
	probNew          float64
	// rnd draws uniformly from [0, 1): the rebalancing coin. Tests replace
	// it to make the rule deterministic.
	rnd func() float64
}

func newHostList(servers []string, provider HostProvider) *hostList {
	h := &hostList{addrs: append([]string(nil), servers...), provider: provider, rnd: rand.Float64}
	rand.Shuffle(len(h.addrs), func(i, j int) { h.addrs[i], h.addrs[j] = h.addrs[j], h.addrs[i] })
	return h
}

// prefer makes addr the next server picked. Safe from any goroutine.
func (h *hostList) prefer(addr string) {
	h.mu.Lock()
	h.preferred = addr
	h.mu.Unlock()
}

// pick returns the next server to try.
func (h *hostList) pick() string {
	h.mu.Lock()
	p := h.preferred
	h.preferred = ""
	if p == "" && h.provider == nil {
		p = h.nextReconfig()
		if p == "" {
			p = h.addrs[h.next%len(h.addrs)]
			h.next = (h.next + 1) % len(h.addrs)
		}
	}
	if p != "" {
		h.current = p
	}
	h.mu.Unlock()
	if p != "" {
		return p
	}
	// Outside the lock: the provider may be slow.
	return h.provider.Next()
}

// connected reports a session established through addr: a move ordered
// by update is over, and the round-robin goes on after addr.
func (h *hostList) connected(addr string) {
	h.mu.Lock()
	h.reconfig = false
	h.current = addr
	if i := indexAddr(h.addrs, addr); i >= 0 {
		h.next = (i + 1) % len(h.addrs)
	}
	h.mu.Unlock()
	if h.provider != nil {
		h.provider.Connected(addr)
	}
}

// size returns the number of servers (which sizes the connect timeout).
func (h *hostList) size() int { h.mu.Lock(); defer h.mu.Unlock(); return len(h.addrs) }

// list returns a copy of the servers, in the order they are walked.
func (h *hostList) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.addrs)
}

// sameAddr reports whether two "host:port" strings name the same server:
// equal ports, and equal hosts, IP literals compared as addresses
// ("[::1]:1" and "[0:0::1]:1" are the same). Names are not resolved: a
// config that names servers differently from the connect list looks like
// a new ensemble.
func sameAddr(a, b string) bool {
	if a == b {
		return true
	}
	ha, pa, err1 := net.SplitHostPort(a)
	hb, pb, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil || pa != pb {
		return false
	}
	ia, err1 := netip.ParseAddr(ha)
	ib, err2 := netip.ParseAddr(hb)
	if err1 == nil && err2 == nil {
		return ia.Unmap() == ib.Unmap()
	}
	return ha == hb
}

func indexAddr(list []string, addr string) int {
	return slices.IndexFunc(list, func(a string) bool { return sameAddr(a, addr) })
}

// connectTimeout bounds one attempt (dial, TLS, handshake, credential
// replay): the session timeout shared by the servers, so that trying every
// server once fits in one session timeout and a reconnect can still save
// the session (Java: negotiated timeout / number of hosts). At least 1 s,
// because a loaded server or a TLS handshake needs some time.
func connectTimeout(sessionTimeout time.Duration, servers int) time.Duration {
	d := sessionTimeout / time.Duration(max(servers, 1))
	return max(d, time.Second)
}

// connectTimeout is Config.ConnectTimeout, or else the default rule for
// sessionTimeout and the current number of servers.
func (c *Conn) connectTimeout(sessionTimeout time.Duration) time.Duration {
	if c.cfg.ConnectTimeout > 0 {
		return c.cfg.ConnectTimeout
	}
	return connectTimeout(sessionTimeout, c.hosts.size())
}

const (
	backoffBase = 50 * time.Millisecond
	backoffCap  = time.Second
)

// backoff is the pause after the n-th consecutive failed attempt (n ≥ 1):
// a ceiling that doubles from 100 ms up to 1 s, and a pause drawn between
// half the ceiling and the ceiling ("equal jitter"). Random pauses keep
// many clients from reconnecting in lock-step after a server restart; the
// floor bounds the attempt rate for certain (when nothing is reachable, at
// most about 2 attempts per second once the ceiling is reached, and never
// more than 12 in the first 3 s), and the cap keeps recovery quick. The
// first attempt does not wait at all; the reconnect after a working
// connection drops waits reconnectJitter.
func backoff(n int) time.Duration {
	ceiling := backoffCap
	if n < 5 {
		ceiling = min(backoffBase<<n, backoffCap)
	}
	return ceiling/2 + rand.N(ceiling/2) + time.Millisecond
}

// reconnectJitterCap bounds the pause before the first reconnect after a
// working connection drops.
const reconnectJitterCap = 700 * time.Millisecond

// reconnectJitter is the pause before the first reconnect after a working
// connection drops: random in [0, min(700 ms, timeout/10)). When a server
// restarts or a network blip cuts every client at once, they would
// otherwise all reconnect in the same instant; this spreads 50 clients
// over half a second or more. (Java pauses 0-1 s before every reconnect
// but the first.) It stays a small part of the session timeout, since a
// drop noticed by the read timeout leaves only a third of it to reconnect,
// and below the second of Java, since it delays every recovery.
func reconnectJitter(timeout time.Duration) time.Duration {
	limit := min(reconnectJitterCap, timeout/10)
	if limit <= 0 {
		return 0
	}
	return rand.N(limit)
}
