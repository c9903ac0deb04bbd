package zk_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// TestConnectTimeoutBoundsAttempts: against a server that accepts and
// never answers, WithConnectTimeout(200ms) makes Connect try again every
// 200 ms or so, where the default (10 s session timeout, one server) keeps
// the first attempt for the whole 1.5 s; a negative bound is refused.
func TestConnectTimeoutBoundsAttempts(t *testing.T) {
	p, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetBlackhole(true)
	attempts := func(opts ...zk.Option) int64 {
		var n atomic.Int64
		var d net.Dialer
		dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
			n.Add(1)
			return d.DialContext(ctx, network, addr)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel()
		c, err := zk.Connect(ctx, []string{p.Addr()}, append(opts, zk.WithDialer(dial), zk.WithSessionTimeout(10*time.Second))...)
		if err == nil {
			c.Close()
			t.Fatal("connected through a black hole")
		}
		return n.Load()
	}
	if got := attempts(); got != 1 {
		t.Errorf("default bound: %d attempts in 1.5 s, want 1 (10 s per attempt)", got)
	}
	if got := attempts(zk.WithConnectTimeout(200 * time.Millisecond)); got < 3 {
		t.Errorf("200 ms bound: %d attempts in 1.5 s, want at least 3", got)
	}
	_, err = zk.Connect(context.Background(), []string{srv.Addr()}, zk.WithConnectTimeout(-time.Second))
	if !errors.Is(err, zk.ErrInvalidArgument) {
		t.Errorf("negative connect timeout: %v, want ErrInvalidArgument", err)
	}
}
