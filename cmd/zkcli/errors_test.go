package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/zkwire/zk"
)

func errorsIsNoAuth(err error) bool { return errors.Is(err, zk.ErrNoAuth) }

// TestErrors: failures exit 1 with zkCli's wording, usage errors exit 2
// before connecting (the server address is not even dialled).
func TestErrors(t *testing.T) {
	p := testPath(t)
	fails(t, 1, "Node does not exist: "+p, "get", p)
	fails(t, 1, "Node does not exist: "+p, "ls", p)
	fails(t, 1, "Node does not exist: "+p, "delete", p)

	// Usage errors need no server.
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"get", "no-slash"}, `invalid path "no-slash": must start with /`},
		{[]string{"create", "/x", "d", "world:anyone"}, "does not have the form scheme:id:perms"},
		{[]string{"-auth", "nocolon", "ls", "/"}, "-auth"},
		{[]string{"-chroot", "rel", "ls", "/"}, "-chroot"},
		{[]string{"-nosuchflag"}, "flag provided but not defined"},
	} {
		r := zkcliAt(t, "127.0.0.1:1", "", tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("zkcli %v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.msg)
		}
	}

	// help needs no server either.
	if r := zkcliAt(t, "127.0.0.1:1", "", "help"); r.code != 0 || !strings.Contains(r.stdout, "getEphemerals") {
		t.Errorf("help: exit %d, %q", r.code, r.stdout)
	}
}
