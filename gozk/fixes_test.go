package zk

import (
	"context"
	"net"
	"testing"
	"time"
)

// go-zookeeper v1.0.4's validatePath lets U+FFFF and invalid UTF-8 through;
// the server refuses both.
func TestValidatePathRefusesWhatTheServerRefuses(t *testing.T) {
	for _, p := range []string{"/a\uffff", "/a\xff", "/a\xed\xa0\x80" /* an encoded surrogate */} {
		if validatePath(p, false) == nil {
			t.Errorf("validatePath(%q) = nil, want ErrInvalidPath", p)
		}
	}
	for _, p := range []string{"/a", "/a/b.c", "/seq/", "/\uffef"} {
		if err := validatePath(p, p == "/seq/"); err != nil {
			t.Errorf("validatePath(%q) = %v", p, err)
		}
	}
}

// The srvr answer of a 3.8 server, which go-zookeeper v1.0.4's regex
// rejects (date format and version string).
func TestParseSrvr38(t *testing.T) {
	out := "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n" +
		"Latency min/avg/max: 0/0.5/3\nReceived: 10\nSent: 9\nConnections: 1\nOutstanding: 0\n" +
		"Zxid: 0x200000005\nMode: follower\nNode count: 5\n"
	st, err := parseSrvr([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 12, 29, 17, 54, 0, 0, time.UTC)
	if !st.BuildTime.Equal(want) || st.Version != "3.8.0-${mvngit.commit.id}" || st.Mode != ModeFollower ||
		st.Epoch != 2 || st.Counter != 5 || st.AvgLatency != 0.5 || st.NodeCount != 5 {
		t.Fatalf("parsed %+v", st)
	}
}

// go-zookeeper v1.0.4's FLWRuok slices the first 4 bytes of the answer and
// panics on a shorter one.
func TestFLWRuokShortAnswer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		buf := make([]byte, 4)
		c.Read(buf)
		c.Write([]byte("im"))
		c.Close()
	}()
	if oks := FLWRuok([]string{l.Addr().String()}, 5*time.Second); oks[0] {
		t.Fatal("a 2-byte answer counted as imok")
	}
}

// An unresolvable name neither fails Init (go-zookeeper's Connect fails)
// nor sticks: the next attempt resolves again and finds the new address.
func TestDNSHostProviderResolvesAgain(t *testing.T) {
	addrs := []string(nil)
	hp := NewDNSHostProvider()
	hp.lookupHost = func(_ context.Context, host string) ([]string, error) {
		if addrs == nil {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return addrs, nil
	}
	if err := hp.Init([]string{"zk.example:2181"}); err != nil {
		t.Fatalf("Init with an unresolvable name: %v", err)
	}
	if s, _ := hp.Next(); s != "zk.example:2181" {
		t.Fatalf("Next = %q, want the name kept for a later attempt", s)
	}
	addrs = []string{"192.0.2.7"}
	if s, _ := hp.Next(); s != "192.0.2.7:2181" {
		t.Fatalf("Next after the name resolves = %q, want 192.0.2.7:2181", s)
	}
	addrs = []string{"192.0.2.8"}
	if s, _ := hp.Next(); s != "192.0.2.8:2181" {
		t.Fatalf("Next after the address changed = %q, want 192.0.2.8:2181", s)
	}
}

// scriptedHosts answers Next with the retryStart values it is given.
type scriptedHosts struct{ retry []bool }

func (h *scriptedHosts) Init([]string) error { return nil }
func (h *scriptedHosts) Len() int            { return 1 }
func (h *scriptedHosts) Connected()          {}
func (h *scriptedHosts) Next() (string, bool) {
	r := h.retry[0]
	h.retry = h.retry[1:]
	return "127.0.0.1:1", r
}

// A call fails with ErrNoServer only once it has waited through a whole
// round of attempts with a failure in it, not when it was queued an
// instant before a round ended (a reconfig's re-election failed
// go-zookeeper's own TestIntegration_IncrementalReconfig that way).
func TestNoServerAfterAWholeRound(t *testing.T) {
	c := &Conn{hostProvider: &scriptedHosts{retry: []bool{false, true, true, true}},
		pending: map[uint64]waiting{}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	defer c.cancel()
	h := rootHosts{c}
	start := func() <-chan error {
		n := len(c.pending)
		errc := make(chan error, 1)
		go func() {
			errc <- c.call(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		}()
		deadline := time.Now().Add(5 * time.Second)
		for {
			c.mu.Lock()
			m := len(c.pending)
			c.mu.Unlock()
			if m > n {
				return errc
			}
			if time.Now().After(deadline) {
				t.Fatal("call not registered")
			}
			time.Sleep(time.Millisecond)
		}
	}
	fail := func() { c.mu.Lock(); c.failed++; c.mu.Unlock() }
	pending := func(errc <-chan error) bool {
		select {
		case err := <-errc:
			t.Fatalf("call ended early: %v", err)
		default:
		}
		return true
	}

	a := start()
	h.Next() // first attempt of round 0
	fail()
	h.Next() // retryStart: round 0 ends; a started in it
	pending(a)
	b := start()
	fail()
	h.Next() // round 1 ends: a waited through all of it, b did not
	select {
	case err := <-a:
		if err != ErrNoServer {
			t.Fatalf("a: %v, want ErrNoServer", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a still waiting after a whole failed round")
	}
	pending(b)
	h.Next() // round 2 ends without a failure: b keeps waiting
	pending(b)
	c.cancel()
	if err := <-b; err != ErrConnectionClosed {
		t.Fatalf("b after the Conn's context ended: %v", err)
	}
}
