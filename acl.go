package zk

import (
	"crypto/sha1"
	"encoding/base64"

	"github.com/zkwire/zk/proto"
)

// Permission bits of an ACL entry.
const (
	PermRead   = proto.PermRead
	PermWrite  = proto.PermWrite
	PermCreate = proto.PermCreate
	PermDelete = proto.PermDelete
	PermAdmin  = proto.PermAdmin
	PermAll    = proto.PermAll
)

// WorldACL grants perms to everyone (world:anyone).
func WorldACL(perms int32) []ACL {
	return []ACL{{Perms: perms, ID: Id{Scheme: "world", ID: "anyone"}}}
}

// AuthACL grants perms to every identity the creating session has
// authenticated (scheme "auth"); the server fills in the ids.
func AuthACL(perms int32) []ACL {
	return []ACL{{Perms: perms, ID: Id{Scheme: "auth", ID: ""}}}
}

// DigestACL grants perms to the digest user with this password. The id is
// user:base64(sha1(user:password)), as the server computes it.
func DigestACL(perms int32, user, password string) []ACL {
	return []ACL{{Perms: perms, ID: Id{Scheme: "digest", ID: user + ":" + DigestHash(user, password)}}}
}

// DigestHash returns base64(sha1("user:password")), the digest scheme's
// stored form of a password.
func DigestHash(user, password string) string {
	sum := sha1.Sum([]byte(user + ":" + password))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func validACL(acl []ACL) error {
	if len(acl) == 0 {
		return invalid("empty ACL list (use zk.WorldACL(zk.PermAll) for an open node)")
	}
	for _, a := range acl {
		if a.Perms&^PermAll != 0 || a.Perms == 0 {
			return invalid("ACL perms %#x", a.Perms)
		}
		if a.ID.Scheme == "" {
			return invalid("ACL with an empty scheme")
		}
	}
	return nil
}
