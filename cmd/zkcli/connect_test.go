package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk/zktest"
)

// refusedAddr returns a loopback address nothing listens on: a port just
// freed.
func refusedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestNoServerFailsFast: when every address refuses, zkcli fails within a
// second or two (not after -cmd-timeout), naming each address and its
// error; a real server among the addresses is found.
func TestNoServerFailsFast(t *testing.T) {
	a, b := refusedAddr(t), refusedAddr(t)
	start := time.Now()
	r := zkcliAt(t, a+","+b, "", "ls", "/")
	took := time.Since(start)
	t.Logf("every server refused: zkcli exited after %v", took)
	if r.code != 1 {
		t.Errorf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"no ZooKeeper server answers", a + ": connection refused", b + ": connection refused", "-wait"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// The bound is generous for a loaded machine; -cmd-timeout is 1m.
	if took > 5*time.Second {
		t.Errorf("took %v with nothing listening; want a prompt failure", took)
	}
	// A long list fails as fast: the addresses are probed at once, not
	// one by one with growing pauses between.
	var many []string
	for range 12 {
		many = append(many, refusedAddr(t))
	}
	start = time.Now()
	r = zkcliAt(t, strings.Join(many, ","), "", "ls", "/")
	took = time.Since(start)
	t.Logf("12 servers refused: zkcli exited after %v", took)
	if r.code != 1 || strings.Count(r.stderr, ": connection refused") != 12 || took > 5*time.Second {
		t.Errorf("12 refusing servers: exit %d after %v, stderr %q", r.code, took, r.stderr)
	}
	// The shell fails as fast, before reading any command.
	start = time.Now()
	r = zkcliAt(t, a, "ls /\n")
	if took := time.Since(start); r.code != 1 || !strings.Contains(r.stderr, a+": connection refused") || took > 5*time.Second {
		t.Errorf("shell: exit %d after %v, stderr %q", r.code, took, r.stderr)
	}
	// One refusing address among working ones is no reason to fail.
	if r := zkcliAt(t, a+","+srv.Addr()+","+b, "", "ls", "/"); r.code != 0 || !strings.Contains(r.stdout, "zookeeper\n") {
		t.Errorf("with one live server: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestNoServerWait: with -wait, zkcli keeps trying a refusing address
// (saying so), and connects once a server listens there.
func TestNoServerWait(t *testing.T) {
	p, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	addr := p.Addr()
	p.Close() // refused from now on
	l := start(t, "-server", addr, "-wait", "ls", "/")
	line := next(t, l.errs, "stderr")
	if !strings.Contains(line, "waiting for a ZooKeeper session") {
		t.Fatalf("stderr: %q, want a waiting notice", line)
	}
	if line := next(t, l.errs, "stderr"); line != "  "+addr+": connection refused" {
		t.Fatalf("stderr: %q, want the address and why", line)
	}
	// A server appears at the address.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("cannot listen on %s again: %v", addr, err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				c.Close()
				continue
			}
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	for {
		if line := next(t, l.out, "stdout"); line == "zookeeper" {
			break
		}
	}
	l.wantExit(t, 0)
}

// TestNoAnswerSaysWhatItWaitsFor: a server that accepts the connection but
// never answers warrants a wait, and zkcli says on stderr what it is
// waiting for, then gives up after -cmd-timeout.
func TestNoAnswerSaysWhatItWaitsFor(t *testing.T) {
	p, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetBlackhole(true)
	start := time.Now()
	r := zkcliAt(t, p.Addr(), "", "-cmd-timeout", "3s", "ls", "/")
	took := time.Since(start)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	for _, want := range []string{
		"zkcli: waiting for a ZooKeeper session (up to 3s, -cmd-timeout; Ctrl-C to stop):\n  " + p.Addr() + ": accepted the connection; no session from it yet\n",
		"no session within 3s (-cmd-timeout)",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if took < 3*time.Second {
		t.Errorf("gave up after %v, before -cmd-timeout", took)
	}
}

// TestShellDisconnected: once the server drops, a shell command fails at
// once with a clear message instead of blocking for -cmd-timeout; after
// the reconnect commands work again. With -wait a command waits for the
// reconnect instead.
func TestShellDisconnected(t *testing.T) {
	for _, wait := range []bool{false, true} {
		p, err := zktest.NewProxy(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		args := []string{"-server", p.Addr()}
		if wait {
			args = append(args, "-wait")
		}
		l := start(t, args...)
		io.WriteString(l.stdin, "ls /zookeeper\n")
		for next(t, l.out, "stdout") != "quota" {
		}
		p.SetRefuse(true)
		p.Cut()
		for next(t, l.errs, "stderr") != "session: Disconnected" {
		}
		sent := time.Now()
		io.WriteString(l.stdin, "ls /zookeeper\n")
		if !wait {
			line := next(t, l.errs, "stderr")
			took := time.Since(sent)
			t.Logf("a command in a disconnected shell failed after %v", took)
			if !strings.HasPrefix(line, "not connected (session Disconnected") || !strings.Contains(line, "-wait") {
				t.Fatalf("stderr: %q", line)
			}
			if took > 5*time.Second {
				t.Errorf("the command took %v to fail", took)
			}
			p.SetRefuse(false)
			for next(t, l.errs, "stderr") != "session: Connected" {
			}
			io.WriteString(l.stdin, "ls /zookeeper\n")
		} else {
			if line := next(t, l.errs, "stderr"); !strings.Contains(line, "waiting for a reconnect (-wait") {
				t.Fatalf("stderr: %q", line)
			}
			p.SetRefuse(false)
		}
		for next(t, l.out, "stdout") != "quota" {
		}
		l.stdin.Close()
		l.wantExit(t, map[bool]int{false: 1, true: 0}[wait])
	}
}

// TestDefaultPort: an address without a port gets 2181, as in zkCli.sh:
// a server listening on a port given explicitly is used, and the one
// without a port is tried on 2181.
func TestDefaultPort(t *testing.T) {
	host, _, _ := net.SplitHostPort(srv.Addr())
	r := zkcliAt(t, host+","+srv.Addr(), "", "ls", "/")
	if r.code != 0 {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	// Whatever 2181 holds on this machine, the address zkcli forms is
	// host:2181; -wait off and a refused 2181 lists it.
	r = zkcliAt(t, "[::1],"+host, "", "-cmd-timeout", "5s", "ls", "/")
	if r.code == 2 {
		t.Errorf("a port-less address is a usage error: %q", r.stderr)
	}
	if r.code == 1 && !(strings.Contains(r.stderr, host+":2181") && strings.Contains(r.stderr, "[::1]:2181")) {
		t.Errorf("stderr does not name %s:2181 and [::1]:2181:\n%s", host, r.stderr)
	}
	for _, bad := range []string{host + ":", host + ":http", host + ":70000", ":2181", "[::1"} {
		if r := zkcliAt(t, bad, "", "ls", "/"); r.code != 2 || !strings.Contains(r.stderr, "-server") {
			t.Errorf("-server %q: exit %d, stderr %q", bad, r.code, r.stderr)
		}
	}
}

// TestAuthMissingScheme: -auth alice:secret (the scheme forgotten) is
// rejected by the server; zkcli says the scheme is missing.
func TestAuthMissingScheme(t *testing.T) {
	r := zkcli(t, "", "-auth", "alice:secret", "ls", "/")
	if r.code != 1 || !strings.Contains(r.stderr, `no auth scheme "alice". Is the scheme missing?`) ||
		!strings.Contains(r.stderr, "-auth digest:alice:PASSWORD") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "secret") || strings.Contains(r.stderr, "reconnect") {
		t.Errorf("stderr shows the secret or speaks of a reconnect: %q", r.stderr)
	}
}
