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
