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

// Addresses Go's dialer cannot use fail Connect at once with
// ErrInvalidArgument instead of being retried until ctx ends; addresses it
// can use connect.
func TestAttackServerAddresses(t *testing.T) {
	t.Parallel()
	_, port, _ := net.SplitHostPort(srv.Addr())
	for _, a := range []string{
		"localhost",
		" 127.0.0.1:" + port,
		"127.0.0.1:" + port + " ",
		"127.0.0.1:0",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		start := time.Now()
		c, err := zk.Connect(ctx, []string{a})
		cancel()
		if err == nil {
			c.Close()
			t.Errorf("%q: connected", a)
			continue
		}
		if !errors.Is(err, zk.ErrInvalidArgument) || time.Since(start) > time.Second {
			t.Errorf("%q: %v after %v; want ErrInvalidArgument at once", a, err, time.Since(start).Round(time.Millisecond))
		}
	}
	for _, a := range []string{"LOCALHOST:" + port, "127.0.0.1:0" + port, "127.0.0.1:+" + port} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := zk.Connect(ctx, []string{a})
		cancel()
		if err != nil {
			t.Errorf("%q: %v", a, err)
			continue
		}
		if !strings.Contains(c.Server(), port) {
			t.Errorf("%q: server %q", a, c.Server())
		}
		c.Close()
	}
}
