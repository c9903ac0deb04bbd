package zk

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ValidatePath checks p with ZooKeeper's rules (PathUtils.validatePath):
// absolute, no empty segment, no "." or ".." segment, no trailing slash
// (except "/" itself, or before a sequential suffix when sequential is
// true), and no NUL, control, surrogate-range or non-BMP characters.
// Checking here gives one clear error where the server's would depend on
// which check it happens to run first.
func ValidatePath(p string, sequential bool) error {
	if p == "" {
		return fmt.Errorf("%w: empty path", ErrInvalidPath)
	}
	if p[0] != '/' {
		return fmt.Errorf("%w %s: must start with /", ErrInvalidPath, quotePath(p))
	}
	if len(p) == 1 {
		if sequential {
			return nil // "/" + sequence number
		}
		return nil
	}
	body := p
	if strings.HasSuffix(p, "/") {
		if !sequential {
			return fmt.Errorf("%w %s: must not end with /", ErrInvalidPath, quotePath(p))
		}
		body = p[:len(p)-1]
	}
	// strings.Cut rather than Split: every operation validates its path,
	// and Split allocates.
	for rest, more := body[1:], true; more; {
		var seg string
		seg, rest, more = strings.Cut(rest, "/")
		switch seg {
		case "":
			return fmt.Errorf("%w %s: empty segment", ErrInvalidPath, quotePath(p))
		case ".", "..":
			return fmt.Errorf("%w %s: relative segment %q", ErrInvalidPath, quotePath(p), seg)
		}
	}
	if !utf8.ValidString(p) {
		return fmt.Errorf("%w %s: not valid UTF-8", ErrInvalidPath, quotePath(p))
	}
	for i, r := range p {
		if r == 0 || (r > 0 && r < 0x20) || (r >= 0x7f && r <= 0x9f) ||
			(r >= 0xd800 && r <= 0xf8ff) || (r >= 0xfff0 && r <= 0xffff) || r > 0xffff {
			return fmt.Errorf("%w %s: invalid character %U at byte %d", ErrInvalidPath, quotePath(p), r, i)
		}
	}
	return nil
}

func validPath(op, p string) error {
	if err := ValidatePath(p, false); err != nil {
		return opErr(op, p, err)
	}
	return nil
}

// createPath is the server path of a create: p with the chroot prefixed,
// except that a sequential "/" becomes the chroot plus "/", so that the
// server appends the sequence number inside the chroot ("/app/0000000001")
// rather than to its name ("/app0000000001", outside it).
func (c *Client) createPath(p string, sequential bool) string {
	if sequential && p == "/" && c.chroot != "" {
		return string(c.chroot) + "/"
	}
	return c.chroot.Prefix(p)
}
