package zk

import (
	"crypto/sha1"
	"encoding/base64"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"
)

// AuthACL produces an ACL list containing a single ACL which uses the
// provided permissions, with the scheme "auth", and ID "", which is used
// by ZooKeeper to represent any authenticated user.
func AuthACL(perms int32) []ACL {
	return []ACL{{perms, "auth", ""}}
}

// WorldACL produces an ACL list containing a single ACL which uses the
// provided permissions, with the scheme "world", and ID "anyone", which
// is used by ZooKeeper to represent any user at all.
func WorldACL(perms int32) []ACL {
	return []ACL{{perms, "world", "anyone"}}
}

// DigestACL produces an ACL list granting perms to the digest user with
// this password (id user:base64(sha1(user:password))).
func DigestACL(perms int32, user, password string) []ACL {
	sum := sha1.Sum([]byte(user + ":" + password))
	return []ACL{{perms, "digest", user + ":" + base64.StdEncoding.EncodeToString(sum[:])}}
}

// FormatServers takes a slice of addresses, and makes sure they are in a format
// that resembles <addr>:<port>. If the server has no port provided, the
// DefaultPort constant is added to the end.
func FormatServers(servers []string) []string {
	out := make([]string, len(servers))
	for i, s := range servers {
		if strings.Contains(s, ":") {
			out[i] = s
		} else {
			out[i] = net.JoinHostPort(s, strconv.Itoa(DefaultPort))
		}
	}
	return out
}

// stringShuffle shuffles s in place.
func stringShuffle(s []string) {
	rand.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
}

// validatePath applies ZooKeeper's path rules (PathUtils.validatePath)
// before anything is sent: absolute, no empty, "." or ".." segment, no
// trailing slash unless a sequence number follows, and no control,
// surrogate-range or noncharacter code points. Invalid UTF-8 is refused
// too (the server would decode it to U+FFFD, which it refuses).
func validatePath(path string, isSequential bool) error {
	if path == "" || path[0] != '/' {
		return ErrInvalidPath
	}
	if path == "/" {
		return nil
	}
	segs := strings.Split(path[1:], "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		switch {
		case seg == "" && !(last && isSequential):
			return ErrInvalidPath
		case seg == "." || seg == "..":
			return ErrInvalidPath
		}
	}
	for i := 0; i < len(path); {
		r, w := utf8.DecodeRuneInString(path[i:])
		switch {
		case r == utf8.RuneError && w == 1,
			r < 0x20,
			r >= 0x7f && r <= 0x9f,
			r >= 0xd800 && r <= 0xf8ff,
			r >= 0xfff0 && r <= 0xffff:
			return ErrInvalidPath
		}
		i += w
	}
	return nil
}
