package conn

import (
	"errors"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/zkwire/zk/proto"
	"github.com/zkwire/zk/zktest"
)

// Close during a reconnect handshake while the server expires the session
// meanwhile, with and without NewSessionOnExpiry: Close returns within its
// bound, reports no connected state after Close began, and leaves no
// session on the server (no fresh session opened just to be abandoned).
func TestAttackCloseDuringHandshakeAfterExpiry(t *testing.T) {
	for _, fresh := range []bool{false, true} {
		t.Run("newSessionOnExpiry="+strconv.FormatBool(fresh), func(t *testing.T) {
			t.Parallel()
			s := zktest.StartServerT(t)
			p := startProxy(t, s.Addr())
			d := newStallingDialer()
			rec := newRecorder()
			ctx := testCtx(t, time.Minute)
			c, err := Dial(ctx, Config{Servers: []string{p.Addr()}, SessionTimeout: 30 * time.Second,
				Dialer: d.dial, Events: rec, NewSessionOnExpiry: fresh})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			id, pw := c.SessionID(), c.SessionPassword()
			d.arm()
			p.Cut()
			select {
			case <-d.stalled:
			case <-time.After(20 * time.Second):
				t.Fatal("no reconnect handshake")
			}
			if err := zktest.ExpireSession(ctx, s.Addr(), id, pw); err != nil {
				t.Fatal(err)
			}
			closed := make(chan struct{})
			go func() { c.Close(); close(closed) }()
			eventually(t, 5*time.Second, "Close to start", func() error {
				if !c.isClosing() {
					return errors.New("not closing yet")
				}
				return nil
			})
			before := len(rec.stateList())
			close(d.release)
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Fatal("Close did not return")
			}
			for _, st := range rec.stateList()[before:] {
				if st.State == proto.StateSyncConnected {
					t.Fatalf("connected after Close began: %v", rec.log())
				}
			}
			// The server's count of sessions, once its close processing is done.
			re := regexp.MustCompile(`zk_global_sessions\s+(\d+)`)
			eventually(t, 5*time.Second, "no session left", func() error {
				m, err := s.FourLetter(ctx, "mntr")
				if err != nil {
					return err
				}
				g := re.FindStringSubmatch(m)
				if g == nil {
					return errors.New("no zk_global_sessions in mntr")
				}
				if g[1] != "0" {
					return errors.New("sessions on the server: " + g[1] + "; client log " + joined(rec.log()))
				}
				return nil
			})
			t.Logf("states: %v", rec.log())
		})
	}
}

func joined(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}
