package lifecycle_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/recipes/internal/lifecycle"
	"github.com/zkwire/zk/zktest"
)

var srv *zktest.Server

func TestMain(m *testing.M) {
	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
}

func expire(t *testing.T, c *zk.Client) {
	t.Helper()
	if err := zktest.ExpireSession(testenv.Ctx(t, 20*time.Second), srv.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
}

func TestWaitNewSession(t *testing.T) {
	renewing := testenv.Connect(t, srv.Addr(), zk.WithNewSessionOnExpiry())
	old := renewing.SessionID()
	events := renewing.SessionEvents(testenv.Ctx(t, 30*time.Second))
	expire(t, renewing)
	if err := lifecycle.WaitNewSession(testenv.Ctx(t, 30*time.Second), renewing, old); err != nil {
		t.Fatalf("with WithNewSessionOnExpiry: %v", err)
	}
	if renewing.SessionID() == old || !lifecycle.Connected(renewing.State()) {
		t.Fatalf("returned on session %#x in state %v", renewing.SessionID(), renewing.State())
	}
	if !lifecycle.AwaitConnected(testenv.Ctx(t, 30*time.Second), events) {
		t.Fatal("AwaitConnected saw no connected state after the expiry")
	}

	plain := testenv.Connect(t, srv.Addr())
	old = plain.SessionID()
	expire(t, plain)
	if err := lifecycle.WaitNewSession(testenv.Ctx(t, 30*time.Second), plain, old); !errors.Is(err, zk.ErrSessionExpired) {
		t.Fatalf("without WithNewSessionOnExpiry: %v, want ErrSessionExpired", err)
	}

	closed := testenv.Connect(t, srv.Addr())
	old = closed.SessionID()
	closed.Close()
	if err := lifecycle.WaitNewSession(testenv.Ctx(t, 30*time.Second), closed, old); !errors.Is(err, zk.ErrClosed) {
		t.Fatalf("closed client: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := lifecycle.WaitNewSession(ctx, renewing, renewing.SessionID()); !errors.Is(err, context.Canceled) {
		t.Fatalf("ended context: %v", err)
	}
}

func TestTerminal(t *testing.T) {
	if !lifecycle.Terminal(zk.ErrClosed) || !lifecycle.Terminal(zk.ErrAuthFailed) || lifecycle.Terminal(zk.ErrConnectionLoss) {
		t.Fatal("Terminal: closed and auth failure are final, connection loss is not")
	}
}
