package zktest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNotInstalled is returned (wrapped) when no ZooKeeper server or no java
// can be found on the machine.
var ErrNotInstalled = errors.New("zktest: ZooKeeper is not installed (run `make deps`, or set ZOOKEEPER_JAR or ZKTEST_CLASSPATH)")

// ErrExternal is returned (wrapped) by the process controls of a Server
// that someone else runs (ZK_TEST_SERVERS, External).
var ErrExternal = errors.New("zktest: the server is external (ZK_TEST_SERVERS): it cannot be started, stopped, restarted or killed from the tests")

// defaultJar is where the Debian package puts the server.
const defaultJar = "/usr/share/java/zookeeper.jar"

// install is where java and the server's classpath are.
type install struct {
	java      string
	classpath string
}

// findInstall locates java and the ZooKeeper jars (see the package doc for
// the order).
func findInstall() (install, error) {
	var in install
	java := "java"
	if h := os.Getenv("JAVA_HOME"); h != "" {
		java = filepath.Join(h, "bin", "java")
	}
	p, err := exec.LookPath(java)
	if err != nil {
		return in, fmt.Errorf("%w: java not found (JAVA_HOME=%q): %v", ErrNotInstalled, os.Getenv("JAVA_HOME"), err)
	}
	in.java = p
	if cp := os.Getenv("ZKTEST_CLASSPATH"); cp != "" {
		in.classpath = cp
		return in, nil
	}
	jar := os.Getenv("ZOOKEEPER_JAR")
	if jar == "" {
		jar = defaultJar
	}
	if _, err := os.Stat(jar); err != nil {
		return in, fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	// The Debian jar's manifest pulls in its other dependencies. Not in
	// it: a logging backend (without one SLF4J logs nothing, and a failed
	// start would leave an empty log) and the two Netty jars that TLS needs
	// (protocol.md §12.1), and the servlet API the AdminServer needs
	// (WithAdminServer; without it the server runs with no AdminServer).
	// /etc/zookeeper/conf is left out on purpose:
	// each server gets its own log4j.properties, so a machine's logging
	// setup cannot send test logs elsewhere.
	dir := filepath.Dir(jar)
	cp := []string{jar}
	for _, extra := range []string{"slf4j-log4j12.jar", "log4j-1.2.jar", "netty-codec.jar", "netty-resolver.jar", "servlet-api.jar"} {
		if _, err := os.Stat(filepath.Join(dir, extra)); err == nil {
			cp = append(cp, filepath.Join(dir, extra))
		}
	}
	in.classpath = strings.Join(cp, string(os.PathListSeparator))
	return in, nil
}

// Installed reports whether a server can be started here, and if not, why.
func Installed() error {
	_, err := findInstall()
	return err
}

func isCI() bool { return os.Getenv("CI") != "" }

// externalAddrs returns the servers named by ZK_TEST_SERVERS (or the older
// singular ZK_TEST_SERVER), or nil.
func externalAddrs() []string {
	v := os.Getenv("ZK_TEST_SERVERS")
	if v == "" {
		v = os.Getenv("ZK_TEST_SERVER")
	}
	var out []string
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}
