package zk

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"time"
)

const defaultLookupTimeout = 3 * time.Second

type lookupHostFn func(context.Context, string) ([]string, error)

// DNSHostProviderOption is an option for the DNSHostProvider.
type DNSHostProviderOption interface {
	apply(*DNSHostProvider)
}

type lookupTimeoutOption struct{ timeout time.Duration }

func (o lookupTimeoutOption) apply(p *DNSHostProvider) { p.lookupTimeout = o.timeout }

// WithLookupTimeout returns a DNSHostProviderOption that sets the lookup timeout.
func WithLookupTimeout(timeout time.Duration) DNSHostProviderOption {
	return lookupTimeoutOption{timeout: timeout}
}

// DNSHostProvider is the default HostProvider. Unlike go-zookeeper's,
// which resolves names once in Init, it resolves them again before every
// attempt, so a server whose address changed (a restarted pod) is found;
// and a name that does not resolve is kept and retried rather than failing
// Init (and with it Connect).
type DNSHostProvider struct {
	mu            sync.Mutex
	names         []string // "host:port" as given to Init
	servers       []string // resolved "ip:port", shuffled
	curr          int
	last          int
	lookupTimeout time.Duration
	lookupHost    lookupHostFn // Override of net.LookupHost, for testing.
}

// NewDNSHostProvider creates a new DNSHostProvider with the given options.
func NewDNSHostProvider(options ...DNSHostProviderOption) *DNSHostProvider {
	var p DNSHostProvider
	for _, o := range options {
		o.apply(&p)
	}
	return &p
}

// Init is called first, with the servers specified in the connection
// string. Only a malformed address is an error.
func (hp *DNSHostProvider) Init(servers []string) error {
	if len(servers) == 0 {
		return errors.New("zk: server list must not be empty")
	}
	for _, s := range servers {
		if _, _, err := net.SplitHostPort(s); err != nil {
			return err
		}
	}
	hp.mu.Lock()
	defer hp.mu.Unlock()
	hp.names = slices.Clone(servers)
	hp.servers = hp.resolve()
	hp.curr, hp.last = -1, -1
	return nil
}

// resolve looks every name up; a name that does not resolve stays as it
// is (the dialer will try, and fail, and the next attempt resolves again).
func (hp *DNSHostProvider) resolve() []string {
	lookup := hp.lookupHost
	if lookup == nil {
		lookup = net.DefaultResolver.LookupHost
	}
	timeout := hp.lookupTimeout
	if timeout <= 0 {
		timeout = defaultLookupTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var found []string
	for _, s := range hp.names {
		host, port, _ := net.SplitHostPort(s)
		addrs, err := lookup(ctx, host)
		if err != nil || len(addrs) == 0 {
			found = append(found, s)
			continue
		}
		for _, a := range addrs {
			found = append(found, net.JoinHostPort(a, port))
		}
	}
	stringShuffle(found)
	return found
}

// Len returns the number of servers available
func (hp *DNSHostProvider) Len() int {
	hp.mu.Lock()
	defer hp.mu.Unlock()
	return len(hp.servers)
}

// Next returns the next server to connect to, after resolving the names
// again. retryStart will be true if we've looped through all known servers
// without Connected() being called.
func (hp *DNSHostProvider) Next() (server string, retryStart bool) {
	hp.mu.Lock()
	defer hp.mu.Unlock()
	if len(hp.names) == 0 {
		return "", true // Init was not called
	}
	if fresh := hp.resolve(); !sameSet(fresh, hp.servers) {
		// The addresses changed: start over on the new ones, keeping the
		// retry bookkeeping's meaning ("a whole round failed").
		hp.servers, hp.curr, hp.last = fresh, -1, -1
	}
	hp.curr = (hp.curr + 1) % len(hp.servers)
	retryStart = hp.curr == hp.last
	if hp.last == -1 {
		hp.last = 0
	}
	return hp.servers[hp.curr], retryStart
}

// Connected notifies the HostProvider of a successful connection.
func (hp *DNSHostProvider) Connected() {
	hp.mu.Lock()
	defer hp.mu.Unlock()
	hp.last = hp.curr
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
