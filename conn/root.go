package conn

import "strings"

// Chroot is a path prefix applied to every request and stripped from every
// path the server returns ("" for none, else like "/app").
type Chroot string

// Prefix turns a client path into a server path.
func (c Chroot) Prefix(p string) string {
	if c == "" {
		return p
	}
	if p == "/" {
		return string(c)
	}
	return string(c) + p
}

// Strip turns a server path into a client path. A path outside the chroot
// is returned unchanged.
func (c Chroot) Strip(p string) string {
	if c == "" {
		return p
	}
	if p == string(c) {
		return "/"
	}
	if strings.HasPrefix(p, string(c)+"/") {
		return p[len(c):]
	}
	return p
}
