//go:build !linux

package main

import "errors"

// rawMode is Linux only for now; elsewhere the shell reads plain lines.
func rawMode(fd uintptr) (restore func() error, err error) {
	return nil, errors.New("line editing is not supported on this platform")
}

func termWidth(fd uintptr) int { return 0 }
