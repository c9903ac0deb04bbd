package election_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/zktest"
)

// srv is the standalone server every test and example in the package shares.
var srv *zktest.Server

func TestMain(m *testing.M) {
	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
}

func testPath(t testing.TB) string { return testenv.Path(t, "/electiontest") }

func ctxFor(t testing.TB, d time.Duration) context.Context { return testenv.Ctx(t, d) }

func connectTo(t testing.TB, addrs []string, opts ...zk.Option) *zk.Client {
	t.Helper()
	return testenv.ConnectTo(t, addrs, opts...)
}

func eventually(t testing.TB, within time.Duration, f func() error) {
	t.Helper()
	testenv.Eventually(t, within, f)
}
