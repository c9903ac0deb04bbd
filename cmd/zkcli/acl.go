package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/zkwire/zk"
)

// permLetters maps zkCli's permission letters to bits, in zkCli's print
// order.
var permLetters = []struct {
	letter byte
	bit    int32
}{
	{'c', zk.PermCreate},
	{'d', zk.PermDelete},
	{'r', zk.PermRead},
	{'w', zk.PermWrite},
	{'a', zk.PermAdmin},
}

// parseACL parses zkCli's ACL syntax: comma-separated scheme:id:perms
// entries, e.g. "world:anyone:cdrwa,digest:user:hash:rw". The id is what
// lies between the first and the last colon, so it may hold colons
// itself (digest user:hash, IPv6 addresses); it may be empty ("auth::rw").
// Unlike zkCli, which skips a malformed entry and goes on, any mistake is
// an error, so that a typo never yields a narrower or wider ACL than
// meant.
func parseACL(s string) ([]zk.ACL, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty ACL")
	}
	var acl []zk.ACL
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		first, last := strings.IndexByte(entry, ':'), strings.LastIndexByte(entry, ':')
		if first < 0 || first == last {
			return nil, fmt.Errorf("ACL entry %q does not have the form scheme:id:perms", entry)
		}
		if first == 0 {
			return nil, fmt.Errorf("ACL entry %q has no scheme", entry)
		}
		perms, err := parsePerms(entry[last+1:])
		if err != nil {
			return nil, fmt.Errorf("ACL entry %q: %w", entry, err)
		}
		acl = append(acl, zk.ACL{Perms: perms, ID: zk.Id{Scheme: entry[:first], ID: entry[first+1 : last]}})
	}
	return acl, nil
}

// parsePerms turns letters from "cdrwa" into permission bits.
func parsePerms(s string) (int32, error) {
	if s == "" {
		return 0, errors.New("no permissions (use letters from cdrwa)")
	}
	var perms int32
next:
	for i := 0; i < len(s); i++ {
		for _, p := range permLetters {
			if s[i] == p.letter {
				perms |= p.bit
				continue next
			}
		}
		return 0, fmt.Errorf("unknown permission %q (use letters from cdrwa)", s[i])
	}
	return perms, nil
}

// permString prints permission bits as zkCli does ("cdrwa" order).
func permString(perms int32) string {
	var b strings.Builder
	for _, p := range permLetters {
		if perms&p.bit != 0 {
			b.WriteByte(p.letter)
		}
	}
	return b.String()
}

// formatACL prints an ACL as zkCli's getAcl does: each entry as
// "'scheme,'id" on one line and ": perms" on the next.
func formatACL(acl []zk.ACL) string {
	var b strings.Builder
	for _, a := range acl {
		fmt.Fprintf(&b, "'%s,'%s\n: %s\n", a.ID.Scheme, a.ID.ID, permString(a.Perms))
	}
	return b.String()
}
