package zktest

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func requireInstall(t *testing.T) {
	t.Helper()
	if _, err := findInstall(); err != nil {
		if isCI() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

func TestServerLifecycle(t *testing.T) {
	requireInstall(t)
	before := SnapshotGoroutines()
	s, err := StartServer()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if ans, err := s.FourLetter(ctx, "ruok"); err != nil || ans != "imok" {
		t.Fatalf("ruok = %q %v", ans, err)
	}
	if m, err := s.Mode(ctx); err != nil || m != "standalone" {
		t.Fatalf("mode %q %v", m, err)
	}
	if n, err := s.WatchCount(ctx); err != nil || n != 0 {
		t.Fatalf("watches %d %v", n, err)
	}
	addr := s.Addr()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Fatalf("restart moved %s to %s", addr, s.Addr())
	}
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FourLetter(ctx, "ruok"); err == nil {
		t.Fatal("killed server still answers")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := CheckGoroutines(before, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestParsers(t *testing.T) {
	wchc := "0x100000abc\n\t/a\n\t/b\n0x200000001\n\t/c\n"
	m, err := ParseWatchesBySession(wchc)
	if err != nil || len(m[0x100000abc]) != 2 || m[0x200000001][0] != "/c" {
		t.Fatalf("%v %v", m, err)
	}
	n, err := ParseTotalWatches("2 connections watching 3 paths\nTotal watches:4\n")
	if err != nil || n != 4 {
		t.Fatalf("%d %v", n, err)
	}
	if ParseMode("Zookeeper version: x\nMode: follower\nNode count: 5\n") != "follower" {
		t.Fatal("mode")
	}
}

// echo starts a line echo server for proxy tests.
func echo(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return l.Addr().String()
}

func roundTrip(c net.Conn, msg string, within time.Duration) (string, error) {
	c.SetDeadline(time.Now().Add(within))
	if _, err := io.WriteString(c, msg+"\n"); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

func TestProxyFaults(t *testing.T) {
	p, err := NewProxy(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := roundTrip(c, "hi", 2*time.Second); err != nil || got != "hi\n" {
		t.Fatalf("forward: %q %v", got, err)
	}
	p.SetBlackhole(true)
	if _, err := roundTrip(c, "lost", 300*time.Millisecond); err == nil {
		t.Fatal("blackhole let data through")
	}
	p.SetBlackhole(false)
	p.Cut()
	if _, err := roundTrip(c, "after cut", 2*time.Second); err == nil {
		t.Fatal("connection survived Cut")
	}
	p.SetRefuse(true)
	if c2, err := net.Dial("tcp", p.Addr()); err == nil {
		if _, err := roundTrip(c2, "x", time.Second); err == nil || !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
			t.Fatalf("refused connection: %v", err)
		}
		c2.Close()
	}
	p.SetRefuse(false)
	p.SetLatency(100 * time.Millisecond)
	c3, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if got, err := roundTrip(c3, "slow", 5*time.Second); err != nil || got != "slow\n" {
		t.Fatalf("latency: %q %v", got, err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("latency not applied: %v", d)
	}
	c3.Close()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestEnsembleAndExpire(t *testing.T) {
	requireInstall(t)
	e, err := StartEnsemble(3)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	leader, err := e.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leaders := 0
	for _, s := range e.Servers() {
		if m, _ := s.Mode(ctx); m == "leader" {
			leaders++
		}
	}
	if leaders != 1 {
		t.Fatalf("%d leaders", leaders)
	}
	follower := e.Servers()[(leader+1)%3]
	if err := follower.Stop(); err != nil {
		t.Fatal(err)
	}
	// A session opened with raw bytes on a surviving member, then expired.
	alive := e.Servers()[leader]
	id, pw := rawSession(t, alive.Addr())
	if err := ExpireSession(ctx, alive.Addr(), id, pw); err != nil {
		t.Fatal(err)
	}
	if still, err := attach(ctx, alive.Addr(), id, pw, false); err != nil || still {
		t.Fatalf("the session survived expiry (%v)", err)
	}
	// Expiring a session that is gone already is not an error.
	if err := ExpireSession(ctx, alive.Addr(), id, pw); err != nil {
		t.Fatal(err)
	}
}

// rawSession opens a session with hand-made frames and returns its id and
// password; the connection is left to the server to drop.
func rawSession(t *testing.T, addr string) (int64, []byte) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req := []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x27, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16}
	req = append(req, make([]byte, 16)...)
	req = append(req, 0)
	if err := writeFrame(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := readFrame(c)
	if err != nil || len(resp) < 36 {
		t.Fatalf("connect response %x %v", resp, err)
	}
	var id int64
	for _, b := range resp[8:16] {
		id = id<<8 | int64(b)
	}
	return id, append([]byte(nil), resp[20:36]...)
}
