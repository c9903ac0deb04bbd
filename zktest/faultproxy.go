package zktest

import (
	"io"
	"net"
	"sync"
	"time"
)

// Proxy is a TCP proxy for fault injection between a client and a server.
// All its settings take effect at once, also on open connections.
type Proxy struct {
	l net.Listener

	mu        sync.Mutex
	target    string                // guarded by mu
	blackhole bool                  // guarded by mu
	refuse    bool                  // guarded by mu
	latency   time.Duration         // guarded by mu
	dropUp    bool                  // client→server bytes discarded; guarded by mu
	dropDown  bool                  // server→client bytes discarded; guarded by mu
	conns     map[net.Conn]struct{} // both ends of every pair; guarded by mu
	closed    bool                  // guarded by mu
	wg        sync.WaitGroup
}

// NewProxy listens on a free loopback port and forwards to target.
func NewProxy(target string) (*Proxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{l: l, target: target, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address clients should dial.
func (p *Proxy) Addr() string { return p.l.Addr().String() }

// SetTarget sends new connections to addr.
func (p *Proxy) SetTarget(addr string) { p.mu.Lock(); p.target = addr; p.mu.Unlock() }

// Cut closes every current connection; new ones are still accepted.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

// SetRefuse makes the proxy close new connections at once while on.
func (p *Proxy) SetRefuse(on bool) { p.mu.Lock(); p.refuse = on; p.mu.Unlock() }

// SetBlackhole keeps connections open but forwards nothing, either way,
// while on (bytes sent meanwhile are lost).
func (p *Proxy) SetBlackhole(on bool) { p.mu.Lock(); p.blackhole = on; p.mu.Unlock() }

// SetLatency delays every forwarded chunk by d.
func (p *Proxy) SetLatency(d time.Duration) { p.mu.Lock(); p.latency = d; p.mu.Unlock() }

// DropDirection silently discards bytes going client→server (up) and/or
// server→client (down).
func (p *Proxy) DropDirection(up, down bool) {
	p.mu.Lock()
	p.dropUp, p.dropDown = up, down
	p.mu.Unlock()
}

// Close stops the proxy and closes every connection; it returns when all
// of its goroutines are gone.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.l.Close()
	p.Cut()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse, target := p.refuse || p.closed, p.target
		p.mu.Unlock()
		if refuse {
			c.Close()
			continue
		}
		s, err := net.DialTimeout("tcp", target, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			s.Close()
			return
		}
		p.conns[c], p.conns[s] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, s, true)
		go p.pipe(s, c, false)
	}
}

// pipe copies src to dst, applying the current faults to each chunk.
func (p *Proxy) pipe(src, dst net.Conn, up bool) {
	defer p.wg.Done()
	defer func() {
		src.Close()
		dst.Close()
		p.mu.Lock()
		delete(p.conns, src)
		delete(p.conns, dst)
		p.mu.Unlock()
	}()
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			drop := p.blackhole || (up && p.dropUp) || (!up && p.dropDown)
			delay := p.latency
			p.mu.Unlock()
			if delay > 0 {
				time.Sleep(delay)
			}
			if !drop {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			return
		}
	}
}
