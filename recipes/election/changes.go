package election

import (
	"sync"

	"github.com/zkwire/zk/internal/mailbox"
)

// changes delivers leadership changes in order without ever making the
// campaign wait for a reader: they queue until read (they are rare).
type changes struct {
	box     *mailbox.Mailbox[bool]
	mu      sync.Mutex
	running bool          // guarded by mu: the delivery goroutine was started
	stopped bool          // guarded by mu: stop was called
	quit    chan struct{} // closed by stop: stop delivering at once
	out     chan bool
	done    chan struct{} // closed once out is closed
}

func newChanges() *changes {
	return &changes{box: mailbox.New[bool](), quit: make(chan struct{}), out: make(chan bool), done: make(chan struct{})}
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

func (c *changes) push(v bool) { c.box.Put(v) }

// end closes out after what is queued has been delivered.
func (c *changes) end() { c.box.Close() }

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

func (c *changes) deliver() {
	defer close(c.done)
	defer close(c.out)
	for {
		v, ok := c.box.Get(c.quit)
		if !ok {
			return
		}
		select {
		case c.out <- v:
		case <-c.quit:
			return
		}
	}
}
