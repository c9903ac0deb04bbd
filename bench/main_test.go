package bench

import (
	"os"
	"testing"

	"github.com/zkwire/zk/zktest"
)

// srv is the standalone server the package's tests and benchmarks share.
var srv *zktest.Server

func TestMain(m *testing.M) {
	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
}
