package zk_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// A malformed server address makes Connect fail at once with
// ErrInvalidArgument (rather than retrying it until the context ends), and
// the message says what is wrong with which address.
func TestConnectRejectsMalformedAddresses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ addr, says string }{
		{"127.0.0.1:2181/app", "WithChroot"},
		{"127.0.0.1:2181,127.0.0.1:2182", "own element"},
		{"127.0.0.1:abc", "port"},
		{"127.0.0.1:99999", "port"},
		{"127.0.0.1:0", "port"},
		{"127.0.0.1:", "port"},
		{":2181", "host"},
		{"127.0.0.1", "host:port"},
		{"::1:2181", "brackets"},
		{"", "host:port"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := zk.Connect(ctx, []string{srv.Addr(), tc.addr})
		cancel()
		if err == nil {
			c.Close()
			t.Fatalf("Connect with %q: no error", tc.addr)
		}
		if !errors.Is(err, zk.ErrInvalidArgument) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Connect with %q: %v; want ErrInvalidArgument at once", tc.addr, err)
		}
		if !strings.Contains(err.Error(), tc.says) {
			t.Fatalf("Connect with %q: %v; want a message that mentions %q", tc.addr, err, tc.says)
		}
	}
	// Well-formed addresses are accepted: a bracketed IPv6 literal and a
	// host name (neither needs to answer for the address to be valid).
	for _, addr := range []string{"[::1]:2181", "localhost:2181"} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_, err := zk.Connect(ctx, []string{addr}, zk.WithDialer(func(context.Context, string, string) (net.Conn, error) {
			return nil, errors.New("no network in this test")
		}))
		cancel()
		if errors.Is(err, zk.ErrInvalidArgument) {
			t.Fatalf("Connect with %q: %v", addr, err)
		}
	}
}
