package zktest

import "syscall"

// procAttr puts the JVM in its own process group (a Ctrl-C on the test run
// must not race the orderly stop) and has the kernel kill it if the test
// binary dies without stopping it (a panic, a -timeout, a SIGKILL): an
// orphaned server would otherwise hold its port and keep running forever.
// Pdeathsig follows the OS thread that started the process; the Go runtime
// does not end threads that are not locked, so in practice that is the
// test binary's lifetime.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
