package zktest

import (
	"context"
	"os/exec"
)

// DataDir returns the server's dataDir, where ZooKeeper keeps its
// snapshots and transaction logs (version-2/log.*); "" for an external
// server.
func (s *Server) DataDir() string {
	if s.external {
		return ""
	}
	return s.dataDir()
}

// JavaCommand returns a command that runs mainClass with the java and the
// classpath the servers run with, for ZooKeeper's own tools, such as
// org.apache.zookeeper.server.persistence.TxnLogToolkit. jvm options go
// before the class name.
func JavaCommand(ctx context.Context, jvm []string, mainClass string, args ...string) (*exec.Cmd, error) {
	in, err := findInstall()
	if err != nil {
		return nil, err
	}
	a := append([]string{"-cp", in.classpath}, jvm...)
	a = append(a, mainClass)
	a = append(a, args...)
	return exec.CommandContext(ctx, in.java, a...), nil
}
