package chaos

import (
	"os"
	"testing"

	"github.com/zkwire/zk/internal/leakcheck"
)

// TestMain fails the run if a goroutine outlives the test; the test starts
// its own ensemble.
func TestMain(m *testing.M) { os.Exit(leakcheck.Main(m)) }
