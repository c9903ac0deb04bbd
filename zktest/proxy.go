package zktest

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Proxy is a TCP proxy on a free loopback port that forwards to a target
// and injects network faults. Every setting takes effect at once, on open
// connections too. Its methods may be called from any goroutine; Close
// returns only when all of its goroutines have ended.
//
// When one end of a connection closes, the proxy forwards what it still
// holds for the other end, then passes the close on (half-close, as TCP).
// While black-holed, a close ends the whole connection instead, and
// whatever was held is dropped.
type Proxy struct {
	l      net.Listener
	ctx    context.Context // ended by Close: aborts dials to the target
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine of the proxy

	mu        sync.Mutex
	target    string             // guarded by mu
	blackhole bool               // guarded by mu
	refuse    bool               // guarded by mu
	latency   time.Duration      // guarded by mu
	dropUp    bool               // client→server bytes discarded; guarded by mu
	dropDown  bool               // server→client bytes discarded; guarded by mu
	changed   chan struct{}      // closed (and replaced) on every setting change; guarded by mu
	links     map[*link]struct{} // open connections; guarded by mu
	closed    bool               // guarded by mu
}

// link is one proxied connection: the client's and the server's ends.
type link struct {
	client, server net.Conn
	done           chan struct{} // closed by shut
	once           sync.Once
	halves         sync.WaitGroup // the two directions; both done: shut
}

// shut closes both ends; every goroutine of the link then ends.
func (k *link) shut() {
	k.once.Do(func() {
		close(k.done)
		k.client.Close()
		k.server.Close()
	})
}

// chunk is bytes read from one end, with when they were read (latency
// counts from then, so chunks in flight are delayed in parallel).
type chunk struct {
	b  []byte
	at time.Time
}

// NewProxy listens on a free loopback port and forwards every connection
// to target.
func NewProxy(target string) (*Proxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{l: l, ctx: ctx, cancel: cancel, target: target,
		changed: make(chan struct{}), links: make(map[*link]struct{})}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address clients dial, "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.l.Addr().String() }

// set changes settings under the lock and wakes connections that wait
// for a change (a black hole lifting).
func (p *Proxy) set(f func()) {
	p.mu.Lock()
	f()
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

// SetTarget sends new connections to addr; open ones stay where they are.
func (p *Proxy) SetTarget(addr string) { p.set(func() { p.target = addr }) }

// SetRefuse makes the proxy close new connections as soon as it accepts
// them, while on. (The client sees its connection open and close, not
// "connection refused": for that, close the proxy.)
func (p *Proxy) SetRefuse(on bool) { p.set(func() { p.refuse = on }) }

// SetBlackhole stops all traffic, both ways, while on: connections are
// accepted and stay open, bytes are held and delivered when it is turned
// off, as after a network partition heals. Nothing the client sends
// meanwhile is answered, so a client's pings time out.
func (p *Proxy) SetBlackhole(on bool) { p.set(func() { p.blackhole = on }) }

// SetLatency delays every chunk of bytes, each way, by d after the proxy
// read it (0: none).
func (p *Proxy) SetLatency(d time.Duration) { p.set(func() { p.latency = d }) }

// DropDirection silently discards the bytes going client→server and/or
// server→client, while set. Unlike a black hole the bytes are lost, so the
// stream's framing is broken for good: use it to make requests or replies
// vanish.
func (p *Proxy) DropDirection(clientToServer, serverToClient bool) {
	p.set(func() { p.dropUp, p.dropDown = clientToServer, serverToClient })
}

// Cut closes every open connection, both ends; new ones are still
// accepted (unless refused).
func (p *Proxy) Cut() {
	p.mu.Lock()
	links := make([]*link, 0, len(p.links))
	for k := range p.links {
		links = append(links, k)
	}
	p.mu.Unlock()
	for _, k := range links {
		k.shut()
	}
}

// Connections returns the number of connections the proxy holds open.
func (p *Proxy) Connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// Close stops listening, closes every connection and returns when all of
// the proxy's goroutines have ended. It may be called more than once.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.l.Close()
	p.cancel()
	p.Cut()
	p.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil // closed before
	}
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			p.mu.Lock()
			closed := p.closed
			p.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors, say: wait, as net/http does.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		p.mu.Lock()
		if p.refuse || p.closed {
			p.mu.Unlock()
			c.Close()
			continue
		}
		target := p.target
		p.wg.Add(1) // under mu, with closed false: Close's Wait comes after
		p.mu.Unlock()
		go p.serve(c, target)
	}
}

// serve dials the target for client c and runs the link: a reader and a
// writer each way. It forgets the link once both writers are done.
func (p *Proxy) serve(c net.Conn, target string) {
	defer p.wg.Done()
	d := net.Dialer{Timeout: 5 * time.Second}
	s, err := d.DialContext(p.ctx, "tcp", target)
	if err != nil {
		c.Close()
		return
	}
	k := &link{client: c, server: s, done: make(chan struct{})}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		k.shut()
		return
	}
	p.links[k] = struct{}{}
	p.wg.Add(4)
	p.mu.Unlock()

	up, down := newHalf(), newHalf()
	k.halves.Add(2)
	go p.read(k, c, up)
	go p.write(k, s, up, true)
	go p.read(k, s, down)
	go p.write(k, c, down, false)
	k.halves.Wait()
	k.shut()
	p.mu.Lock()
	delete(p.links, k)
	p.mu.Unlock()
}

// half is one direction of a link: chunks read, not yet written.
type half struct {
	q   chan chunk
	eof chan struct{} // closed when the source has closed (q is closed too)
}

func newHalf() half { return half{q: make(chan chunk, 64), eof: make(chan struct{})} }

// read reads src into h until EOF or an error (which shuts the link). It
// keeps reading while the writer waits (up to q's capacity), so latency
// counts from when each chunk arrived.
func (p *Proxy) read(k *link, src net.Conn, h half) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			select {
			case h.q <- chunk{b: append([]byte(nil), buf[:n]...), at: time.Now()}:
			case <-k.done:
				return
			}
		}
		if err == io.EOF {
			close(h.eof)
			close(h.q)
			return
		}
		if err != nil {
			k.shut()
			return
		}
	}
}

// write delivers h to dst, applying the faults current at delivery time;
// up is the client→server direction.
func (p *Proxy) write(k *link, dst net.Conn, h half, up bool) {
	defer p.wg.Done()
	defer k.halves.Done()
	for {
		var c chunk
		var ok bool
		select {
		case c, ok = <-h.q:
		case <-k.done:
			return
		}
		if !ok {
			// The source closed. Through a black hole nothing passes,
			// the close neither: end the link rather than keep a
			// connection open that its client has given up.
			if p.blackholed() {
				k.shut()
				return
			}
			if tc, isTCP := dst.(*net.TCPConn); isTCP {
				tc.CloseWrite()
			}
			return
		}
		if !p.await(k, h, c.at) {
			return
		}
		p.mu.Lock()
		drop := (up && p.dropUp) || (!up && p.dropDown)
		p.mu.Unlock()
		if drop {
			continue
		}
		if _, err := dst.Write(c.b); err != nil {
			k.shut()
			return
		}
	}
}

func (p *Proxy) blackholed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.blackhole
}

// await waits until a chunk read at 'at' may be delivered: its latency has
// passed and no black hole is on. It reports false if the link ended
// meanwhile, or if the source closed while black-holed (see write).
func (p *Proxy) await(k *link, h half, at time.Time) bool {
	for {
		p.mu.Lock()
		wait, changed, hole := time.Until(at.Add(p.latency)), p.changed, p.blackhole
		p.mu.Unlock()
		switch {
		case hole:
			select {
			case <-changed:
			case <-h.eof:
				k.shut()
				return false
			case <-k.done:
				return false
			}
		case wait > 0:
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-changed: // the latency may have changed
			case <-k.done:
				t.Stop()
				return false
			}
			t.Stop()
		default:
			return true
		}
	}
}
