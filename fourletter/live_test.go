package fourletter_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/zkwire/zk/fourletter"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/zktest"
)

// TestLive sends every word to the shared server while two sessions hold
// watches and ephemeral nodes, and finds them in the typed answers.
func TestLive(t *testing.T) {
	sc := populate(t, srv.Addr())
	a, b := sc.sessions[0], sc.sessions[1]
	ctx := testenv.Ctx(t, time.Minute)
	addr := srv.Addr()

	if err := fourletter.Ruok(ctx, addr); err != nil {
		t.Errorf("ruok: %v", err)
	}
	if ro, err := fourletter.Isro(ctx, addr); err != nil || ro {
		t.Errorf("isro = %v, %v", ro, err)
	}
	s, err := fourletter.Srvr(ctx, addr)
	if err != nil {
		t.Fatalf("srvr: %v", err)
	}
	if s.Mode != "standalone" || !s.Version.AtLeast(3, 6) || s.Version.BuiltOn == "" || s.Connections < 4 || s.NodeCount < 5 {
		t.Errorf("srvr: %+v", s)
	}
	st, err := fourletter.Stat(ctx, addr)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if st.Mode != "standalone" || len(st.Clients) != st.Connections || st.Version != s.Version {
		t.Errorf("stat: %+v", st)
	}

	conns, err := fourletter.Cons(ctx, addr)
	if err != nil {
		t.Fatalf("cons: %v", err)
	}
	for _, id := range sc.sessions {
		if !slices.ContainsFunc(conns, func(c fourletter.Conn) bool { return c.SessionID == id && c.Timeout == 8000 }) {
			t.Errorf("cons has no session 0x%x with an 8 s timeout: %+v", id, conns)
		}
	}

	m, err := fourletter.Mntr(ctx, addr)
	if err != nil {
		t.Fatalf("mntr: %v", err)
	}
	if n, err := m.Int("zk_ephemerals_count"); err != nil || n < 2 || m["zk_server_state"] != "standalone" {
		t.Errorf("mntr: ephemerals %d, %v; state %q", n, err, m["zk_server_state"])
	}

	sum, err := fourletter.Wchs(ctx, addr)
	if err != nil {
		t.Fatalf("wchs: %v", err)
	}
	byS, err := fourletter.Wchc(ctx, addr)
	if err != nil {
		t.Fatalf("wchc: %v", err)
	}
	byP, err := fourletter.Wchp(ctx, addr)
	if err != nil {
		t.Fatalf("wchp: %v", err)
	}
	for _, id := range []int64{a, b} {
		if !slices.Contains(byS[id], sc.watched[id]) {
			t.Errorf("wchc: session 0x%x does not watch %s: %v", id, sc.watched[id], byS)
		}
		if !slices.Contains(byP[sc.watched[id]], id) {
			t.Errorf("wchp: %s not watched by 0x%x: %v", sc.watched[id], id, byP)
		}
	}
	// Session a's persistent recursive watch is in the data table too.
	if !slices.Contains(byS[a], sc.root) {
		t.Errorf("wchc: no persistent watch of 0x%x on %s: %v", a, sc.root, byS[a])
	}
	if sum.Watches < 5 || sum.Connections < 2 {
		t.Errorf("wchs: %+v", sum)
	}

	conf, err := fourletter.Conf(ctx, addr)
	if err != nil {
		t.Fatalf("conf: %v", err)
	}
	if _, port, _ := net.SplitHostPort(addr); conf.Values["clientPort"] != port {
		t.Errorf("conf clientPort %q, server on %s", conf.Values["clientPort"], addr)
	}
	env, err := fourletter.Envi(ctx, addr)
	if err != nil {
		t.Fatalf("envi: %v", err)
	}
	if v, err := fourletter.ParseVersion(env["zookeeper.version"]); err != nil || v != s.Version {
		t.Errorf("envi zookeeper.version %+v, %v; srvr says %+v", v, err, s.Version)
	}

	d, err := fourletter.Dump(ctx, addr)
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	for _, id := range []int64{a, b} {
		if !slices.Contains(d.Sessions, id) || d.Expiry[id].IsZero() {
			t.Errorf("dump: session 0x%x missing or without expiry: %x", id, d.Sessions)
		}
		if !slices.Equal(d.Ephemerals[id], []string{sc.eph[id]}) {
			t.Errorf("dump: ephemerals of 0x%x = %v, want %s", id, d.Ephemerals[id], sc.eph[id])
		}
	}

	raw, err := fourletter.Raw(ctx, addr, "ruok")
	if err != nil || raw != "imok" {
		t.Errorf("Raw ruok = %q, %v", raw, err)
	}
}

// A server that allows only srvr refuses the other words with a clear
// error, not an empty or garbled result.
func TestLiveNotWhitelisted(t *testing.T) {
	s := zktest.StartServerT(t, zktest.WithConfig("4lw.commands.whitelist=srvr"))
	ctx := testenv.Ctx(t, time.Minute)
	if _, err := fourletter.Srvr(ctx, s.Addr()); err != nil {
		t.Fatalf("srvr: %v", err)
	}
	calls := map[string]func() error{
		"stat": func() error { _, err := fourletter.Stat(ctx, s.Addr()); return err },
		"mntr": func() error { _, err := fourletter.Mntr(ctx, s.Addr()); return err },
		"cons": func() error { _, err := fourletter.Cons(ctx, s.Addr()); return err },
		"wchs": func() error { _, err := fourletter.Wchs(ctx, s.Addr()); return err },
		"wchc": func() error { _, err := fourletter.Wchc(ctx, s.Addr()); return err },
		"wchp": func() error { _, err := fourletter.Wchp(ctx, s.Addr()); return err },
		"conf": func() error { _, err := fourletter.Conf(ctx, s.Addr()); return err },
		"envi": func() error { _, err := fourletter.Envi(ctx, s.Addr()); return err },
		"dump": func() error { _, err := fourletter.Dump(ctx, s.Addr()); return err },
		"isro": func() error { _, err := fourletter.Isro(ctx, s.Addr()); return err },
		"ruok": func() error { return fourletter.Ruok(ctx, s.Addr()) },
	}
	for word, call := range calls {
		if err := call(); !errors.Is(err, fourletter.ErrNotWhitelisted) {
			t.Errorf("%s: %v, want ErrNotWhitelisted", word, err)
		}
	}
	ans, err := fourletter.Raw(ctx, s.Addr(), "wchc")
	if !errors.Is(err, fourletter.ErrNotWhitelisted) || ans != "wchc is not executed because it is not in the whitelist.\n" {
		t.Errorf("Raw wchc = %q, %v", ans, err)
	}
}

// A peer that accepts and never answers costs ctx's deadline, not more.
func TestRawBoundedByContext(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := fourletter.Raw(ctx, l.Addr().String(), "srvr"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Raw against a silent peer: %v, want DeadlineExceeded", err)
	}
	// Cancelled, not timed out: the read ends too.
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel2)
	if _, err := fourletter.Srvr(ctx2, l.Addr().String()); !errors.Is(err, context.Canceled) {
		t.Errorf("Srvr cancelled: %v, want Canceled", err)
	}
}

func TestRawBadInput(t *testing.T) {
	ctx := testenv.Ctx(t, 10*time.Second)
	for _, w := range []string{"", "srv", "stats", "SRVR", "sr r", "ruo\n"} {
		if _, err := fourletter.Raw(ctx, srv.Addr(), w); err == nil {
			t.Errorf("Raw accepted %q", w)
		}
	}
	//lint:ignore SA1012 a nil context is the bad input under test
	if _, err := fourletter.Raw(nil, srv.Addr(), "ruok"); err == nil { //nolint:staticcheck
		t.Error("Raw accepted a nil context")
	}
}
