package zk_test

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// rotatingProvider hands out its addresses in turn and records what the
// client reports.
type rotatingProvider struct {
	mu        sync.Mutex
	addrs     []string
	next      int
	asked     []string
	connected []string
}

func (p *rotatingProvider) Next() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	a := p.addrs[p.next%len(p.addrs)]
	p.next++
	p.asked = append(p.asked, a)
	return a
}

func (p *rotatingProvider) Connected(addr string) {
	p.mu.Lock()
	p.connected = append(p.connected, addr)
	p.mu.Unlock()
}

func (p *rotatingProvider) snapshot() (asked, connected []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.asked...), append([]string(nil), p.connected...)
}

// The provider, not the Connect list, decides where the client goes: the
// list names only a dead port, the provider offers the dead port and then
// the real server, and learns which one worked. After a cut the client asks
// it again.
func TestHostProviderChoosesServers(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	proxy := startProxy(t, srv.Addr())
	p := &rotatingProvider{addrs: []string{deadAddr, proxy.Addr()}}
	c := connectTo(t, []string{deadAddr}, zk.WithHostProvider(p))
	if c.Server() != proxy.Addr() {
		t.Fatalf("connected to %q, want the provider's %q", c.Server(), proxy.Addr())
	}
	asked, connected := p.snapshot()
	if len(asked) < 2 || asked[0] != deadAddr || len(connected) != 1 || connected[0] != proxy.Addr() {
		t.Fatalf("provider asked %v, told connected %v", asked, connected)
	}
	proxy.Cut()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, connected = p.snapshot()
		if len(connected) == 2 && c.State() == zk.StateConnected {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a cut the provider was told %v (state %v)", connected, c.State())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, _, err := c.Get(ctxFor(t, 10*time.Second), "/"); err != nil {
		t.Fatal(err)
	}
}
