package zk_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// An IPv6 literal with an empty zone ("%" and nothing after it) can never
// be dialed: Connect should refuse it at once, not retry a lookup until
// ctx ends.
func TestAttackServerAddressEmptyZone(t *testing.T) {
	t.Parallel()
	_, port, _ := net.SplitHostPort(srv.Addr())
	a := "[fe80::1%]:" + port
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	c, err := zk.Connect(ctx, []string{a})
	if err == nil {
		c.Close()
		t.Fatalf("%q: connected", a)
	}
	if !errors.Is(err, zk.ErrInvalidArgument) || time.Since(start) > time.Second {
		t.Fatalf("%q: %v after %v; want ErrInvalidArgument at once", a, err, time.Since(start).Round(time.Millisecond))
	}
}
