//go:build !unix

package zktest

import "syscall"

// procAttr: no process groups here; Stop falls back to killing the JVM
// when it cannot be sent SIGTERM.
func procAttr() *syscall.SysProcAttr { return nil }
