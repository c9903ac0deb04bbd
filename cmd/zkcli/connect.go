package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/zkwire/zk"
)

// waitNotice is how long connecting may take before zkcli says on stderr
// what it is waiting for.
const waitNotice = time.Second

// connect opens the session. The library retries until its context ends,
// which suits a service but not a command line: when every server refuses
// (nothing listens there) zkcli gives up at once, naming each address and
// its error, unless -wait asks it to keep trying. Any other wait (a server
// that accepts but does not answer, a dial that hangs) goes on up to
// -cmd-timeout, and after a second zkcli says on stderr what it waits for.
func connect(ctx context.Context, cfg *config, interactive bool, errOut io.Writer) (*zk.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.cmdTimeout)
	defer cancel()
	ctx, giveUp := context.WithCancelCause(ctx)
	defer giveUp(nil)
	dials := newDialLog(cfg.servers)
	opts := []zk.Option{zk.WithSessionTimeout(cfg.sessionTimeout), zk.WithDialer(dials.dial)}
	if cfg.chroot != "" {
		opts = append(opts, zk.WithChroot(cfg.chroot))
	}
	if cfg.authScheme != "" {
		opts = append(opts, zk.WithAuth(cfg.authScheme, cfg.authCred))
	}
	if interactive {
		// A shell outlives sessions: after expiry it goes on with a new
		// one (and says so) rather than failing every later command.
		opts = append(opts, zk.WithNewSessionOnExpiry())
	}

	connected := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		dials.supervise(ctx, cfg, connected, giveUp, errOut)
	}()
	c, err := zk.Connect(ctx, cfg.servers, opts...)
	close(connected)
	wg.Wait()
	if err == nil {
		return c, nil
	}
	var refused *refusedError
	switch {
	case errors.As(context.Cause(ctx), &refused):
		return nil, refused
	case errors.Is(err, zk.ErrAuthFailed):
		return nil, authFailed(cfg)
	case errors.Is(err, context.DeadlineExceeded):
		return nil, fmt.Errorf("cannot connect to %s: no session within %v (-cmd-timeout)\n%s",
			strings.Join(cfg.servers, ","), cfg.cmdTimeout, dials.report("  "))
	case errors.Is(err, context.Canceled):
		return nil, errors.New("interrupted while connecting")
	}
	return nil, fmt.Errorf("cannot connect to %s: %s", strings.Join(cfg.servers, ","), trimZK(err.Error()))
}

// authFailed words a credential the server rejected on the first
// connection. A rejected scheme is most often a missing one: -auth
// alice:secret sends the scheme "alice".
func authFailed(cfg *config) error {
	if knownSchemes[cfg.authScheme] {
		return fmt.Errorf("the server rejected the -auth credentials (scheme %q)", cfg.authScheme)
	}
	return fmt.Errorf("the server rejected -auth: it has no auth scheme %q. Is the scheme missing? "+
		"-auth takes scheme:credentials, e.g. -auth digest:%s:PASSWORD", cfg.authScheme, cfg.authScheme)
}

// knownSchemes are the auth schemes a stock server may offer.
var knownSchemes = map[string]bool{"digest": true, "ip": true, "sasl": true, "x509": true, "world": true, "super": true}

// refusedError: every server refused the connection (or has no address).
type refusedError struct{ report string }

func (e *refusedError) Error() string {
	return "cannot connect: no ZooKeeper server answers at any address\n" + e.report +
		"(-wait keeps trying up to -cmd-timeout)"
}

// dialLog records each connection attempt's TCP outcome per address: the
// library's dials go through dial.
type dialLog struct {
	servers []string

	mu      sync.Mutex
	status  map[string]dialStatus // guarded by mu
	changed chan struct{}         // closed and replaced at every change; guarded by mu
}

// dialStatus is the latest TCP outcome for one address.
type dialStatus struct {
	dialing  bool
	accepted bool  // the TCP connection was made: the session handshake follows
	err      error // the dial failed
}

func newDialLog(servers []string) *dialLog {
	return &dialLog{servers: servers, status: map[string]dialStatus{}, changed: make(chan struct{})}
}

func (d *dialLog) set(addr string, st dialStatus) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.setLocked(addr, st)
}

func (d *dialLog) setLocked(addr string, st dialStatus) {
	d.status[addr] = st
	close(d.changed)
	d.changed = make(chan struct{})
}

// dial is the library's dialer (a plain net.Dialer), watched.
func (d *dialLog) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.set(addr, dialStatus{dialing: true})
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, addr)
	d.set(addr, dialStatus{accepted: err == nil, err: err})
	return c, err
}

// refusedAll reports whether the latest dial to every server failed
// outright (refused, unknown host, unreachable) rather than by timing out.
func (d *dialLog) refusedAll() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.servers {
		st := d.status[s]
		if st.err == nil {
			return false
		}
		var ne net.Error
		if errors.As(st.err, &ne) && ne.Timeout() || errors.Is(st.err, context.Canceled) || errors.Is(st.err, context.DeadlineExceeded) {
			return false
		}
	}
	return true
}

// anyRefused reports whether some server refused already.
func (d *dialLog) anyRefused() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, st := range d.status {
		if st.err != nil {
			return true
		}
	}
	return false
}

// probeUntried dials, all at once, each server the library has not tried
// yet (closing at once what answers), so that a long list where every
// address refuses fails as fast as a short one: the library tries one
// address at a time, pausing longer after each failure.
func (d *dialLog) probeUntried(ctx context.Context, wg *sync.WaitGroup) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, addr := range d.servers {
		if _, tried := d.status[addr]; tried {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var nd net.Dialer
			c, err := nd.DialContext(ctx, "tcp", addr)
			if err == nil {
				c.Close()
			}
			if ctx.Err() != nil {
				return
			}
			d.mu.Lock()
			defer d.mu.Unlock()
			if _, tried := d.status[addr]; !tried { // the library's own result wins
				d.setLocked(addr, dialStatus{accepted: err == nil, err: err})
			}
		}()
	}
}

// report describes each server's state, one indented line each.
func (d *dialLog) report(indent string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var b strings.Builder
	for _, s := range d.servers {
		st, tried := d.status[s]
		var what string
		switch {
		case !tried:
			what = "not tried yet"
		case st.dialing:
			what = "no answer yet to the TCP connect"
		case st.accepted:
			what = "accepted the connection; no session from it yet"
		default:
			what = dialError(st.err)
		}
		fmt.Fprintf(&b, "%s%s: %s\n", indent, s, what)
	}
	return b.String()
}

// dialError is a dial error without the repetition of the address
// ("dial tcp 127.0.0.1:1: connect: connection refused").
func dialError(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		s := oe.Err.Error()
		return strings.TrimPrefix(s, "connect: ")
	}
	return err.Error()
}

// supervise runs while the library connects: it gives up when every
// server has refused (unless -wait), and says what it waits for once
// waitNotice has passed.
func (d *dialLog) supervise(ctx context.Context, cfg *config, connected <-chan struct{}, giveUp context.CancelCauseFunc, errOut io.Writer) {
	notice := time.NewTimer(waitNotice)
	defer notice.Stop()
	ctx, cancel := context.WithCancel(ctx)
	var probes sync.WaitGroup
	defer probes.Wait()
	defer cancel()
	probed := false
	for {
		d.mu.Lock()
		changed := d.changed
		d.mu.Unlock()
		if !cfg.wait && d.refusedAll() {
			giveUp(&refusedError{report: d.report("  ")})
			return
		}
		if !cfg.wait && !probed && d.anyRefused() {
			probed = true
			d.probeUntried(ctx, &probes)
		}
		select {
		case <-connected:
			return
		case <-changed:
		case <-notice.C:
			fmt.Fprintf(errOut, "zkcli: waiting for a ZooKeeper session (up to %v, -cmd-timeout; Ctrl-C to stop):\n%s",
				cfg.cmdTimeout, d.report("  "))
		}
	}
}
