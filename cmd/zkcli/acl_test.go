package main

import (
	"strings"
	"testing"

	"github.com/zkwire/zk"
)

func TestParseACL(t *testing.T) {
	hash := zk.DigestHash("user", "pw")
	for _, tc := range []struct {
		in   string
		want []zk.ACL
	}{
		{"world:anyone:cdrwa", zk.WorldACL(zk.PermAll)},
		{"world:anyone:r", []zk.ACL{{Perms: zk.PermRead, ID: zk.Id{Scheme: "world", ID: "anyone"}}}},
		{"world:anyone:rr", []zk.ACL{{Perms: zk.PermRead, ID: zk.Id{Scheme: "world", ID: "anyone"}}}},
		{"world:anyone:cdr,digest:user:" + hash + ":rw", []zk.ACL{
			{Perms: zk.PermCreate | zk.PermDelete | zk.PermRead, ID: zk.Id{Scheme: "world", ID: "anyone"}},
			{Perms: zk.PermRead | zk.PermWrite, ID: zk.Id{Scheme: "digest", ID: "user:" + hash}},
		}},
		{" ip:10.0.0.0/8:a , auth::cd", []zk.ACL{
			{Perms: zk.PermAdmin, ID: zk.Id{Scheme: "ip", ID: "10.0.0.0/8"}},
			{Perms: zk.PermCreate | zk.PermDelete, ID: zk.Id{Scheme: "auth", ID: ""}},
		}},
		{"ip:::1:w", []zk.ACL{{Perms: zk.PermWrite, ID: zk.Id{Scheme: "ip", ID: "::1"}}}},
	} {
		got, err := parseACL(tc.in)
		if err != nil {
			t.Errorf("parseACL(%q): %v", tc.in, err)
			continue
		}
		if d := diffOf(tc.want, got); d != "" {
			t.Errorf("parseACL(%q) (-want +got):\n%s", tc.in, d)
		}
	}
}

func TestParseACLErrors(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{"", "empty ACL"},
		{"  ", "empty ACL"},
		{"world", "does not have the form scheme:id:perms"},
		{"world:anyone", "does not have the form scheme:id:perms"},
		{":anyone:r", "has no scheme"},
		{"world:anyone:", "no permissions"},
		{"world:anyone:rx", `unknown permission 'x'`},
		{"world:anyone:R", `unknown permission 'R'`},
		{"world:anyone:r,", "does not have the form"},
		{"world:anyone:r,,auth::r", "does not have the form"},
	} {
		_, err := parseACL(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("parseACL(%q) = %v, want an error containing %q", tc.in, err, tc.msg)
		}
	}
}

func TestFormatACL(t *testing.T) {
	acl := []zk.ACL{
		{Perms: zk.PermAll, ID: zk.Id{Scheme: "world", ID: "anyone"}},
		{Perms: zk.PermWrite | zk.PermRead, ID: zk.Id{Scheme: "digest", ID: "u:h="}},
		{Perms: 0, ID: zk.Id{Scheme: "ip", ID: "1.2.3.4"}},
	}
	want := "'world,'anyone\n: cdrwa\n'digest,'u:h=\n: rw\n'ip,'1.2.3.4\n: \n"
	if got := formatACL(acl); got != want {
		t.Errorf("formatACL = %q, want %q", got, want)
	}
	// Every permission set survives print and parse.
	for perms := int32(1); perms <= zk.PermAll; perms++ {
		got, err := parsePerms(permString(perms))
		if err != nil || got != perms {
			t.Errorf("parsePerms(permString(%d) = %q) = %d, %v", perms, permString(perms), got, err)
		}
	}
}
