package jute

import (
	"os"
	"testing"

	"github.com/zkwire/zk/internal/leakcheck"
)

// TestMain fails the run if a test leaves a goroutine behind.
func TestMain(m *testing.M) { os.Exit(leakcheck.Main(m)) }
