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

// TestRecover: the one answer of keeper loops to a failed round.
func TestRecover(t *testing.T) {
	live := testenv.Ctx(t, 30*time.Second)
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	closed := make(chan zk.SessionEvent)
	close(closed)
	back := make(chan zk.SessionEvent, 2)
	back <- zk.SessionEvent{State: zk.StateExpired}
	back <- zk.SessionEvent{State: zk.StateConnected}
	cases := []struct {
		name    string
		ctx     context.Context
		err     error
		events  <-chan zk.SessionEvent
		started bool
		stop    bool
		why     error
	}{
		{"ctx ended", ended, zk.ErrClosed, closed, true, true, nil},
		{"closed", live, zk.ErrClosed, closed, true, true, zk.ErrClosed},
		{"auth failed", live, zk.ErrAuthFailed, closed, true, true, zk.ErrAuthFailed},
		{"connection loss", live, zk.ErrConnectionLoss, closed, false, false, nil},
		{"refused before start", live, zk.ErrNoAuth, closed, false, true, zk.ErrNoAuth},
		{"refused after start", live, zk.ErrNoAuth, closed, true, false, nil},
		{"expired for good", live, zk.ErrSessionExpired, closed, true, true, zk.ErrSessionExpired},
		{"expired, new session", live, zk.ErrSessionExpired, back, true, false, nil},
	}
	for _, tc := range cases {
		stop, why := lifecycle.Recover(tc.ctx, tc.err, tc.events, tc.started)
		if stop != tc.stop || !errors.Is(why, tc.why) || (tc.why == nil && why != nil) {
			t.Errorf("%s: stop=%v why=%v, want stop=%v why=%v", tc.name, stop, why, tc.stop, tc.why)
		}
	}
	if len(back) != 0 {
		t.Errorf("expired, new session: %d events left unread, want the wait to read up to the connection", len(back))
	}
}
