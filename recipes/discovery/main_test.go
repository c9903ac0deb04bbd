package discovery_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/recipes/discovery"
	"github.com/zkwire/zk/zktest"
)

var srv *zktest.Server

func TestMain(m *testing.M) {
	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
}

// testService returns a fresh service name for one test.
func testService(t testing.TB) string { return testenv.Path(t, "")[1:] }

func ctxFor(t testing.TB, d time.Duration) context.Context { return testenv.Ctx(t, d) }

func connect(t testing.TB, opts ...zk.Option) *zk.Client {
	t.Helper()
	return testenv.Connect(t, srv.Addr(), opts...)
}

func newRegistry(t testing.TB, c *zk.Client) *discovery.Registry {
	t.Helper()
	r, err := discovery.NewRegistry(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func newDiscoverer(t testing.TB, c *zk.Client, name string, opts ...discovery.Option) *discovery.Discoverer {
	t.Helper()
	d, err := discovery.NewDiscoverer(c, name, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Start(ctxFor(t, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	return d
}

func inst(name, id string) discovery.Instance {
	return discovery.Instance{ID: id, Name: name, Address: "10.0.0.1", Port: 8080}
}

func count(n int) func([]discovery.Instance) bool {
	return func(ins []discovery.Instance) bool { return len(ins) == n }
}

func ids(ins []discovery.Instance) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.ID)
	}
	return out
}
