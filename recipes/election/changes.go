package election

import "sync"

// changes delivers leadership changes in order without ever making the
// campaign wait for a reader: they queue until read (they are rare).
type changes struct {
	mu      sync.Mutex
	queue   []bool // guarded by mu
	ended   bool   // guarded by mu: close out once the queue is delivered
	running bool   // guarded by mu: the delivery goroutine was started
	stopped bool   // guarded by mu: stop was called
	wake    chan struct{}
	quit    chan struct{} // closed by stop: stop delivering at once
	out     chan bool
	done    chan struct{} // closed once out is closed
}

func newChanges() *changes {
	return &changes{wake: make(chan struct{}, 1), quit: make(chan struct{}), out: make(chan bool), done: make(chan struct{})}
}

// start launches the delivery goroutine (at Latch.Start), so that a Latch
// that never starts owns no goroutine.
func (c *changes) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running && !c.stopped {
		c.running = true
		go c.deliver()
	}
}

func (c *changes) push(v bool) {
	c.mu.Lock()
	c.queue = append(c.queue, v)
	c.mu.Unlock()
	c.signal()
}

// end closes out after what is queued has been delivered.
func (c *changes) end() {
	c.mu.Lock()
	c.ended = true
	c.mu.Unlock()
	c.signal()
}

// stop ends delivery now, dropping what no one took, and waits until out
// is closed. It is idempotent.
func (c *changes) stop() {
	c.mu.Lock()
	first, running := !c.stopped, c.running
	c.stopped = true
	c.mu.Unlock()
	if first {
		close(c.quit)
		if !running {
			close(c.out)
			close(c.done)
		}
	}
	<-c.done
}

func (c *changes) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *changes) deliver() {
	defer close(c.done)
	defer close(c.out)
	for {
		c.mu.Lock()
		q, ended := c.queue, c.ended
		c.queue = nil
		c.mu.Unlock()
		for _, v := range q {
			select {
			case c.out <- v:
			case <-c.quit:
				return
			}
		}
		if len(q) > 0 {
			continue
		}
		if ended {
			return
		}
		select {
		case <-c.wake:
		case <-c.quit:
			return
		}
	}
}
