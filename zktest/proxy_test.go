package zktest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// lineServer serves each connection line by line, answering prefix+line,
// and closes a connection when the client closes its side. It stops when
// the test ends.
func lineServer(t *testing.T, prefix string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := io.WriteString(c, prefix+line); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// client is one connection through the proxy.
type client struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialClient(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c, r: bufio.NewReader(c)}
}

func (c *client) send(line string) {
	c.t.Helper()
	c.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c.c, line+"\n"); err != nil {
		c.t.Fatalf("send %q: %v", line, err)
	}
}

// recv reads one line, waiting at most within.
func (c *client) recv(within time.Duration) (string, error) {
	c.c.SetReadDeadline(time.Now().Add(within))
	line, err := c.r.ReadString('\n')
	return strings.TrimSuffix(line, "\n"), err
}

func (c *client) expect(want string) {
	c.t.Helper()
	if got, err := c.recv(10 * time.Second); err != nil || got != want {
		c.t.Fatalf("received %q, %v; want %q", got, err, want)
	}
}

// expectNothing checks that nothing arrives for a while. (Only ever used
// where nothing can arrive, so a slow machine cannot make it fail.)
func (c *client) expectNothing() {
	c.t.Helper()
	got, err := c.recv(300 * time.Millisecond)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		c.t.Fatalf("received %q, %v; want nothing", got, err)
	}
}

// expectClosed checks that the connection ends.
func (c *client) expectClosed() {
	c.t.Helper()
	if got, err := c.recv(10 * time.Second); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		c.t.Fatalf("received %q, %v; want the connection closed", got, err)
	}
}

func startProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := NewProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func waitConnections(t *testing.T, p *Proxy, n int) {
	t.Helper()
	eventually(t, 10*time.Second, func() error {
		if got := p.Connections(); got != n {
			return fmt.Errorf("the proxy holds %d connections, want %d", got, n)
		}
		return nil
	})
}

func TestProxy(t *testing.T) {
	t.Run("forwards", func(t *testing.T) {
		p := startProxy(t, lineServer(t, "A:"))
		c := dialClient(t, p.Addr())
		c.send("hello")
		c.expect("A:hello")
		waitConnections(t, p, 1)
	})
	t.Run("half-close", func(t *testing.T) {
		p := startProxy(t, lineServer(t, "A:"))
		c := dialClient(t, p.Addr())
		c.send("last words")
		c.c.(*net.TCPConn).CloseWrite()
		c.expect("A:last words")
		c.expectClosed()
		waitConnections(t, p, 0)
	})
	t.Run("latency", func(t *testing.T) {
		p := startProxy(t, lineServer(t, "A:"))
		c := dialClient(t, p.Addr())
		p.SetLatency(200 * time.Millisecond)
		start := time.Now()
		c.send("slow")
		c.expect("A:slow")
		if d := time.Since(start); d < 400*time.Millisecond {
			t.Fatalf("round trip of %v with 200ms each way", d)
		}
		p.SetLatency(0)
		c.send("fast")
		c.expect("A:fast")
	})
	t.Run("blackhole holds bytes", func(t *testing.T) {
		p := startProxy(t, lineServer(t, "A:"))
		c := dialClient(t, p.Addr())
		c.send("before")
		c.expect("A:before")
		p.SetBlackhole(true)
		c.send("held")
		c.expectNothing()
		late := dialClient(t, p.Addr()) // accepted, but nothing passes
		late.send("late")
		late.expectNothing()
		p.SetBlackhole(false)
		c.expect("A:held")
		late.expect("A:late")
	})
	t.Run("blackhole ends a connection its client closes", func(t *testing.T) {
		p := startProxy(t, lineServer(t, "A:"))
		c := dialClient(t, p.Addr())
		c.send("before")
		c.expect("A:before")
		p.SetBlackhole(true)
		c.send("never answered")
		c.c.Close()
		waitConnections(t, p, 0)
	})
	t.Run("drop a direction", func(t *testing.T) {
		p := startProxy(t, lineServer(t, "A:"))
		c := dialClient(t, p.Addr())
		p.DropDirection(true, false)
		c.send("lost on the way")
		c.expectNothing()
		p.DropDirection(false, true)
		c.send("answer lost")
		c.expectNothing()
		p.DropDirection(false, false)
		c.send("kept")
		c.expect("A:kept") // nothing lost comes back
	})
	t.Run("cut", func(t *testing.T) {
		p := startProxy(t, lineServer(t, "A:"))
		c1, c2 := dialClient(t, p.Addr()), dialClient(t, p.Addr())
		c1.send("1")
		c1.expect("A:1")
		c2.send("2")
		c2.expect("A:2")
		p.Cut()
		c1.expectClosed()
		c2.expectClosed()
		waitConnections(t, p, 0)
		c3 := dialClient(t, p.Addr())
		c3.send("3")
		c3.expect("A:3")
	})
	t.Run("refuse", func(t *testing.T) {
		p := startProxy(t, lineServer(t, "A:"))
		open := dialClient(t, p.Addr())
		open.send("open")
		open.expect("A:open")
		p.SetRefuse(true)
		refused := dialClient(t, p.Addr())
		refused.expectClosed()
		open.send("still open") // refusing leaves open connections alone
		open.expect("A:still open")
		p.SetRefuse(false)
		c := dialClient(t, p.Addr())
		c.send("accepted")
		c.expect("A:accepted")
	})
	t.Run("set target", func(t *testing.T) {
		p := startProxy(t, lineServer(t, "A:"))
		a := dialClient(t, p.Addr())
		a.send("x")
		a.expect("A:x")
		p.SetTarget(lineServer(t, "B:"))
		b := dialClient(t, p.Addr())
		b.send("y")
		b.expect("B:y")
		a.send("z")
		a.expect("A:z") // open connections stay where they are
	})
	t.Run("unreachable target", func(t *testing.T) {
		p := startProxy(t, "127.0.0.1:1")
		c := dialClient(t, p.Addr())
		c.expectClosed()
	})
}

func TestProxyCloseLeavesNothing(t *testing.T) {
	target := lineServer(t, "A:")
	before := SnapshotGoroutines()
	p, err := NewProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	var conns []*client
	for i := 0; i < 5; i++ {
		c := dialClient(t, p.Addr())
		c.send("hi")
		c.expect("A:hi")
		conns = append(conns, c)
	}
	p.SetBlackhole(true)
	conns[0].send("held at Close")
	p.SetLatency(time.Hour)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for _, c := range conns {
		c.expectClosed()
	}
	if c, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		c.Close()
		t.Fatal("a closed proxy accepts connections")
	}
	if err := CheckGoroutines(before, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// The proxy in front of the real server: four-letter words (which the
// server answers and then closes) and a session that survives a cut.
func TestProxyZooKeeper(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := startProxy(t, srv.Addr())
	if ans, err := FourLetter(ctx, p.Addr(), "ruok"); err != nil || ans != "imok" {
		t.Fatalf("ruok through the proxy: %q, %v", ans, err)
	}
	p.SetLatency(50 * time.Millisecond)
	if ans, err := FourLetter(ctx, p.Addr(), "srvr"); err != nil || ParseMode(ans) != "standalone" {
		t.Fatalf("srvr through a slow proxy: %q, %v", ans, err)
	}
	p.SetLatency(0)

	s := rawConnect(t, p.Addr(), 0, nil)
	if s.timeout == 0 {
		t.Fatal("no session through the proxy")
	}
	p.Cut()
	s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := s.conn.Read(make([]byte, 64)); err != io.EOF {
		t.Fatalf("after Cut: read %d bytes, %v; want EOF", n, err)
	}
	if again := rawConnect(t, p.Addr(), s.id, s.password); again.timeout == 0 {
		t.Fatal("the session did not survive a cut connection")
	}
	if err := ExpireSession(ctx, srv.Addr(), s.id, s.password); err != nil {
		t.Fatal(err)
	}
}
