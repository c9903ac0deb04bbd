package zktest

import (
	"os"
	"testing"
)

// srv is the server the package's tests share; tests that stop or restart
// a server start their own.
var srv *Server

func TestMain(m *testing.M) {
	os.Exit(Main(m, func(s *Server) { srv = s }))
}
