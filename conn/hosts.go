package conn

import (
	"math/rand/v2"
	"sync"
	"time"
)

// hostList is the server list, shuffled once so that clients spread over
// the ensemble, then walked round-robin (Java's StaticHostProvider).
// Addresses stay "host:port" strings: the dialer resolves names on every
// attempt, so a server that moved is found again. Owned by the session
// goroutine.
type hostList struct {
	addrs    []string
	next     int
	provider HostProvider // when set, it picks instead of the round-robin

	mu        sync.Mutex
	preferred string // tried next, once (a read-write server found by the prober); guarded by mu
}

func newHostList(servers []string, provider HostProvider) *hostList {
	h := &hostList{addrs: append([]string(nil), servers...), provider: provider}
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
	h.mu.Unlock()
	if p != "" {
		return p
	}
	if h.provider != nil {
		return h.provider.Next()
	}
	a := h.addrs[h.next%len(h.addrs)]
	h.next = (h.next + 1) % len(h.addrs)
	return a
}

// connected reports a session established through addr to the provider.
func (h *hostList) connected(addr string) {
	if h.provider != nil {
		h.provider.Connected(addr)
	}
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
