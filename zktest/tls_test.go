package zktest

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"testing"
	"time"
)

// TestTLSServer checks the secure port: a TLS handshake against the CA
// works with hostname verification, and with clientAuth=need a client
// without a certificate is refused while one with a CA-signed one is not.
func TestTLSServer(t *testing.T) {
	ts, err := NewTLSServer(t.TempDir(), "need")
	if err != nil {
		t.Fatal(err)
	}
	s := StartServerT(t, ts.Option())
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(s.LogPath())
			t.Log(string(b))
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// ZooKeeper 3.8 speaks TLS 1.2, where the server checks the client
	// certificate before its Finished message: the handshake itself fails.
	handshake := func(cfg *tls.Config) error {
		d := tls.Dialer{Config: cfg}
		c, err := d.DialContext(ctx, "tcp", ts.Addr)
		if err != nil {
			return err
		}
		defer c.Close()
		if v := c.(*tls.Conn).ConnectionState().Version; v != tls.VersionTLS12 {
			return errors.New("not TLS 1.2")
		}
		return nil
	}
	cfg := ts.ClientConfig()
	cfg.ServerName = "127.0.0.1"
	if err := handshake(cfg); err == nil {
		t.Fatal("no client certificate, yet the server answered")
	}
	cert, err := ts.CA.ClientCert("client")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Certificates = []tls.Certificate{cert}
	if err := handshake(cfg); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
}
