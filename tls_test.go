package zk_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// startTLSServer starts a server of its own with a secure client port
// (clientAuth none, want or need).
func startTLSServer(t *testing.T, clientAuth string) *zktest.TLSServer {
	t.Helper()
	ts, err := zktest.NewTLSServer(t.TempDir(), clientAuth)
	if err != nil {
		t.Fatal(err)
	}
	zktest.StartServerT(t, ts.Option())
	return ts
}

func TestTLS(t *testing.T) {
	ts := startTLSServer(t, "none")
	_, port, _ := net.SplitHostPort(ts.Addr)

	t.Run("session", func(t *testing.T) {
		// ServerName is left empty: it comes from each address, so the
		// certificate is checked against 127.0.0.1 here.
		c := connectTo(t, []string{ts.Addr}, zk.WithTLS(ts.ClientConfig()))
		ctx := ctxFor(t, 30*time.Second)
		p := testPath(t)
		if _, err := c.Create(ctx, p, []byte("over tls"), zk.Persistent, open); err != nil {
			t.Fatal(err)
		}
		data, _, err := c.Get(ctx, p)
		if err != nil || string(data) != "over tls" {
			t.Fatalf("get: %q %v", data, err)
		}
	})

	t.Run("hostname", func(t *testing.T) {
		// "localhost" is verified against the certificate's DNS name.
		connectTo(t, []string{net.JoinHostPort("localhost", port)}, zk.WithTLS(ts.ClientConfig()))
		// A name the certificate does not carry fails at once, with the
		// verification error, without waiting for the context.
		cfg := ts.ClientConfig()
		cfg.ServerName = "zk.example.com"
		start := time.Now()
		_, err := zk.Connect(ctxFor(t, 30*time.Second), []string{ts.Addr}, zk.WithTLS(cfg))
		var herr x509.HostnameError
		if !errors.As(err, &herr) {
			t.Fatalf("connect with a wrong server name: %v, want an x509.HostnameError", err)
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("the name mismatch took %v to report: retried until the deadline", time.Since(start))
		}
	})

	t.Run("wrong CA", func(t *testing.T) {
		other, err := zktest.NewCA("another CA")
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = zk.Connect(ctxFor(t, 30*time.Second), []string{ts.Addr},
			zk.WithTLS(&tls.Config{RootCAs: other.Pool()}))
		var uerr x509.UnknownAuthorityError
		if !errors.As(err, &uerr) || !strings.Contains(err.Error(), "unknown authority") {
			t.Fatalf("connect trusting another CA: %v, want x509 unknown authority", err)
		}
		if !strings.Contains(err.Error(), ts.Addr) {
			t.Fatalf("error %q does not name the server", err)
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("took %v: retried until the deadline", time.Since(start))
		}
	})

	t.Run("plain client on the TLS port", func(t *testing.T) {
		// Netty closes a plain connection to its TLS port without a
		// word; the client finds out that the port speaks TLS, says so,
		// and fails at once instead of retrying until ctx ends.
		_, err := zk.Connect(ctxFor(t, 30*time.Second), []string{ts.Addr})
		if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "expects TLS") {
			t.Fatalf("a plain connection to the TLS port: %v; want at once an error saying it expects TLS", err)
		}
		t.Logf("plain client on the TLS port: %v", err)
	})
}

func TestMutualTLS(t *testing.T) {
	ts := startTLSServer(t, "need")
	cert, err := ts.CA.ClientCert("zk-client")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("with a client certificate", func(t *testing.T) {
		cfg := ts.ClientConfig()
		cfg.Certificates = []tls.Certificate{cert}
		c := connectTo(t, []string{ts.Addr}, zk.WithTLS(cfg))
		ctx := ctxFor(t, 30*time.Second)
		ids, err := c.WhoAmI(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The server maps the certificate to an x509 identity.
		found := false
		for _, id := range ids {
			found = found || id.AuthScheme == "x509"
		}
		if !found {
			t.Fatalf("whoAmI %v: no x509 identity", ids)
		}
	})

	t.Run("without", func(t *testing.T) {
		start := time.Now()
		_, err := zk.Connect(ctxFor(t, 30*time.Second), []string{ts.Addr}, zk.WithTLS(ts.ClientConfig()))
		if err == nil || !strings.Contains(err.Error(), "TLS handshake") || !strings.Contains(err.Error(), "tls:") {
			t.Fatalf("connect without a client certificate: %v, want the TLS handshake error", err)
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("took %v: retried until the deadline", time.Since(start))
		}
		t.Logf("error: %v", err)
	})
}
