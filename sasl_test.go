package zk_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// startSASLServer starts a server of its own that accepts DIGEST-MD5
// logins for bob.
func startSASLServer(t *testing.T) *zktest.Server {
	t.Helper()
	opt, err := zktest.SASLDigest(t.TempDir(), map[string]string{"bob": "bobsecret", "alice": "alicesecret"})
	if err != nil {
		t.Fatal(err)
	}
	return zktest.StartServerT(t, opt)
}

func TestSASLDigest(t *testing.T) {
	s := startSASLServer(t)
	proxy := startProxy(t, s.Addr())
	rec := &stateRecorder{}
	log, logged := newCapture()
	bob := connectTo(t, []string{proxy.Addr()}, zk.WithSASL("bob", "bobsecret"), zk.WithStateListener(rec.add), zk.WithLogger(log))
	ctx := ctxFor(t, 60*time.Second)

	hasIdentity := func(c *zk.Client, scheme, id string) error {
		ids, err := c.WhoAmI(ctx)
		if err != nil {
			return err
		}
		for _, x := range ids {
			if x.AuthScheme == scheme && x.User == id {
				return nil
			}
		}
		return errors.New("no " + scheme + ":" + id + " in whoAmI")
	}
	if err := hasIdentity(bob, "sasl", "bob"); err != nil {
		t.Fatal(err)
	}

	// The SASL identity is what the ACL grants.
	p := testPath(t)
	acl := []zk.ACL{{Perms: zk.PermAll, ID: zk.Id{Scheme: "sasl", ID: "bob"}}}
	if _, err := bob.Create(ctx, p, []byte("bob's"), zk.Persistent, acl); err != nil {
		t.Fatal(err)
	}
	if data, _, err := bob.Get(ctx, p); err != nil || string(data) != "bob's" {
		t.Fatalf("bob reads his node: %q %v", data, err)
	}
	anon := connectTo(t, []string{s.Addr()})
	if _, _, err := anon.Get(ctx, p); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("a client without SASL reads bob's node: %v, want ErrNoAuth", err)
	}
	alice := connectTo(t, []string{s.Addr()}, zk.WithSASL("alice", "alicesecret"))
	if _, _, err := alice.Get(ctx, p); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("alice reads bob's node: %v, want ErrNoAuth", err)
	}

	// The login is replayed on every connection, before any request.
	id := bob.SessionID()
	proxy.Cut()
	rec.waitFor(t, zk.StateConnected, 2, 30*time.Second)
	if data, _, err := bob.Get(ctx, p); err != nil || string(data) != "bob's" {
		t.Fatalf("bob reads his node after a reconnect: %q %v", data, err)
	}
	if bob.SessionID() != id {
		t.Fatal("the session changed")
	}
	if err := hasIdentity(bob, "sasl", "bob"); err != nil {
		t.Fatal(err)
	}
	if out := logged(); strings.Contains(out, "bobsecret") || !strings.Contains(out, "connected") {
		t.Fatalf("the log shows the password, or nothing:\n%s", out)
	}
}

func TestSASLWrongPassword(t *testing.T) {
	s := startSASLServer(t)
	for _, tc := range []struct{ user, password string }{
		{"bob", "not bob's secret"},
		{"mallory", "whatever"},
	} {
		start := time.Now()
		c, err := zk.Connect(ctxFor(t, 30*time.Second), []string{s.Addr()}, zk.WithSASL(tc.user, tc.password))
		if err == nil {
			c.Close()
			t.Fatalf("%s logged in with a wrong password", tc.user)
		}
		if !errors.Is(err, zk.ErrAuthFailed) || !strings.Contains(err.Error(), tc.user) {
			t.Fatalf("login as %s: %v, want ErrAuthFailed naming the user", tc.user, err)
		}
		if strings.Contains(err.Error(), tc.password) {
			t.Fatalf("the error shows the password: %v", err)
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("took %v: retried until the deadline", time.Since(start))
		}
	}
}

// A login refused on a reconnect (bob's password changed while the
// server restarted) ends the session in StateAuthFailed instead of
// reconnecting forever.
func TestSASLRefusedOnReconnect(t *testing.T) {
	dir := t.TempDir()
	opt, err := zktest.SASLDigest(dir, map[string]string{"bob": "bobsecret"})
	if err != nil {
		t.Fatal(err)
	}
	s := zktest.StartServerT(t, opt)
	rec := &stateRecorder{}
	c := connectTo(t, []string{s.Addr()}, zk.WithSessionTimeout(30*time.Second),
		zk.WithSASL("bob", "bobsecret"), zk.WithStateListener(rec.add))
	if _, err := zktest.SASLDigest(dir, map[string]string{"bob": "a new password"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, zk.StateAuthFailed, 1, 60*time.Second)
	ctx := ctxFor(t, 10*time.Second)
	if _, _, err := c.Get(ctx, "/"); !errors.Is(err, zk.ErrAuthFailed) {
		t.Fatalf("get after the login was refused: %v, want ErrAuthFailed", err)
	}
	if st := c.State(); st != zk.StateAuthFailed {
		t.Fatalf("state %v", st)
	}
	if got := rec.get(); got[len(got)-1] != zk.StateAuthFailed {
		t.Fatalf("states %v: something came after AuthFailed", got)
	}
}
