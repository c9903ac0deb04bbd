// Package zktest runs real ZooKeeper servers for tests: a standalone server
// or an ensemble on loopback ports, each with its own data directory, plus
// helpers to stop, restart and kill members, to expire a session, to read
// the four-letter-word diagnostics, and a TCP fault proxy.
//
// It uses the ZooKeeper installed on the machine (the Debian package
// "zookeeper": /usr/share/java/zookeeper.jar; make deps installs it), or
// the jar named by ZOOKEEPER_JAR, with java from JAVA_HOME or PATH. Nothing
// is downloaded.
//
// In a package's tests:
//
//	var srv *zktest.Server
//
//	func TestMain(m *testing.M) {
//		os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
//	}
//
// Main starts one server for the package, runs the tests, stops the server
// and fails the run if goroutines leaked. Without a ZooKeeper install it
// fails when the CI environment variable is set and skips otherwise, saying
// why.
//
// # Fault proxy
//
// Proxy sits between a client and a server and can cut every connection,
// refuse new ones, black-hole traffic (connections stay open, nothing
// passes), drop one direction or add latency:
//
//	p, _ := zktest.NewProxy(srv.Addr())
//	defer p.Close()
//	c, _ := zk.Connect(ctx, []string{p.Addr()})
//	p.SetBlackhole(true) // the client's pings go unanswered: it reconnects
package zktest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNotInstalled is returned when no ZooKeeper install can be found.
var ErrNotInstalled = errors.New("zktest: ZooKeeper is not installed (run `make deps`, or set ZOOKEEPER_JAR)")

// install is where the server's jars and java are.
type install struct {
	java      string
	classpath string
}

// findInstall locates java and the ZooKeeper jars.
func findInstall() (install, error) {
	var in install
	java := "java"
	if h := os.Getenv("JAVA_HOME"); h != "" {
		java = filepath.Join(h, "bin", "java")
	}
	p, err := exec.LookPath(java)
	if err != nil {
		return in, fmt.Errorf("zktest: java not found: %w", err)
	}
	in.java = p
	jar := os.Getenv("ZOOKEEPER_JAR")
	if jar == "" {
		jar = "/usr/share/java/zookeeper.jar"
	}
	if _, err := os.Stat(jar); err != nil {
		return in, fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	dir := filepath.Dir(jar)
	// The jar's manifest pulls in its dependencies; logging and the two
	// Netty jars its manifest lacks (TLS) are added by hand (protocol.md §12.1).
	cp := []string{jar}
	for _, extra := range []string{"slf4j-log4j12.jar", "log4j-1.2.jar", "netty-codec.jar", "netty-resolver.jar"} {
		if _, err := os.Stat(filepath.Join(dir, extra)); err == nil {
			cp = append(cp, filepath.Join(dir, extra))
		}
	}
	if _, err := os.Stat("/etc/zookeeper/conf"); err == nil {
		cp = append([]string{"/etc/zookeeper/conf"}, cp...)
	}
	in.classpath = strings.Join(cp, string(os.PathListSeparator))
	return in, nil
}

func isCI() bool { return os.Getenv("CI") != "" }
