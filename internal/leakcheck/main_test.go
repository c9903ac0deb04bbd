package leakcheck

import (
	"os"
	"testing"
)

// TestMain checks this package's own tests with the check they test.
func TestMain(m *testing.M) { os.Exit(Main(m)) }
