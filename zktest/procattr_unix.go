//go:build unix && !linux

package zktest

import "syscall"

// procAttr puts the JVM in its own process group, so a Ctrl-C on the test
// run does not race the orderly stop. Without Linux's Pdeathsig a server
// outlives a test binary that dies without stopping it.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
