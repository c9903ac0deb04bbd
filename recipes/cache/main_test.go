package cache_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/recipes/cache"
	"github.com/zkwire/zk/zktest"
)

// srv is the standalone server every test in the package shares.
var srv *zktest.Server

func TestMain(m *testing.M) {
	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
}

func testPath(t testing.TB) string { return testenv.Path(t, "") }

func ctxFor(t testing.TB, d time.Duration) context.Context { return testenv.Ctx(t, d) }

func connectTo(t testing.TB, addr string, opts ...zk.Option) *zk.Client {
	t.Helper()
	return testenv.Connect(t, addr, opts...)
}

func startProxy(t testing.TB) *zktest.Proxy {
	t.Helper()
	p, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

var open = zk.WorldACL(zk.PermAll)

func eventually(t testing.TB, within time.Duration, f func() error) {
	t.Helper()
	testenv.Eventually(t, within, f)
}

// expire ends c's session on the server and waits for c's new one.
func expire(t testing.TB, c *zk.Client) {
	t.Helper()
	old := c.SessionID()
	if err := zktest.ExpireSession(ctxFor(t, 40*time.Second), srv.Addr(), old, c.SessionPassword()); err != nil {
		t.Fatalf("expire: %v", err)
	}
	eventually(t, 40*time.Second, func() error {
		if c.SessionID() == old || c.State() != zk.StateConnected {
			return fmt.Errorf("still session %#x, state %v", c.SessionID(), c.State())
		}
		return nil
	})
}

// recorder is a listener that rebuilds the tree from events.
type recorder struct {
	mu     sync.Mutex
	data   map[string]string
	events []cache.Event
}

func newRecorder() *recorder { return &recorder{data: make(map[string]string)} }

func (r *recorder) listen(ev cache.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, cache.Event{Type: ev.Type, Path: ev.Path, Data: slices.Clone(ev.Data)})
	switch ev.Type {
	case cache.NodeAdded, cache.NodeUpdated:
		r.data[ev.Path] = string(ev.Data)
	case cache.NodeRemoved:
		delete(r.data, ev.Path)
	}
}

func (r *recorder) snapshot() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[string]string, len(r.data))
	for k, v := range r.data {
		m[k] = v
	}
	return m
}

func (r *recorder) count(typ cache.EventType) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, ev := range r.events {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func (r *recorder) types(p string) []cache.EventType {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ts []cache.EventType
	for _, ev := range r.events {
		if ev.Path == p {
			ts = append(ts, ev.Type)
		}
	}
	return ts
}
