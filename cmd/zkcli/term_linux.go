//go:build linux

package main

import (
	"syscall"
	"unsafe"
)

// rawMode puts the terminal on fd into the mode the line editor needs:
// bytes as typed, no echo, Ctrl-C as a byte rather than SIGINT. Output
// processing stays on, so that "\n" written by others still returns the
// carriage. restore puts back the mode it found.
func rawMode(fd uintptr) (restore func() error, err error) {
	var old syscall.Termios
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCGETS, uintptr(unsafe.Pointer(&old))); e != 0 {
		return nil, e
	}
	raw := old
	raw.Iflag &^= syscall.ICRNL | syscall.INLCR | syscall.IGNCR | syscall.IXON | syscall.ISTRIP
	raw.Lflag &^= syscall.ICANON | syscall.ECHO | syscall.ECHONL | syscall.ISIG | syscall.IEXTEN
	raw.Cc[syscall.VMIN], raw.Cc[syscall.VTIME] = 1, 0
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCSETS, uintptr(unsafe.Pointer(&raw))); e != 0 {
		return nil, e
	}
	return func() error {
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCSETS, uintptr(unsafe.Pointer(&old))); e != 0 {
			return e
		}
		return nil
	}, nil
}

// termWidth returns the terminal's width in columns, 0 if unknown.
func termWidth(fd uintptr) int {
	var ws struct{ rows, cols, x, y uint16 }
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGWINSZ, uintptr(unsafe.Pointer(&ws))); e != 0 {
		return 0
	}
	return int(ws.cols)
}
