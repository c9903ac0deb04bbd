package conn

import "strings"

// Chroot is a path prefix ("/app"; what Java's connect string
// "host:2181/app" carries after the address, which Config.Servers
// refuses: set Config.Chroot instead): it is added to every request path and stripped from every path the server
// sends back. "" means none; otherwise it is absolute without a trailing
// slash. The server knows nothing about it (protocol.md §8.4).
type Chroot string

// Prefix turns a client path into a server path: "/" becomes the chroot
// itself, "/a" becomes "/app/a".
func (c Chroot) Prefix(p string) string {
	if c == "" {
		return p
	}
	if p == "/" {
		return string(c)
	}
	return string(c) + p
}

// Strip turns a server path into a client path: the chroot itself becomes
// "/", "/app/a" becomes "/a". A path outside the chroot ("/apple",
// "/other") is returned unchanged; see Contains.
func (c Chroot) Strip(p string) string {
	if c == "" {
		return p
	}
	if p == string(c) {
		return "/"
	}
	if strings.HasPrefix(p, string(c)) && p[len(c)] == '/' {
		return p[len(c):]
	}
	return p
}

// Contains reports whether the server path p lies inside the chroot.
func (c Chroot) Contains(p string) bool {
	return c == "" || p == string(c) || (strings.HasPrefix(p, string(c)) && p[len(c)] == '/')
}
