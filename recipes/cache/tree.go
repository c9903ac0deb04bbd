package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
	"github.com/zkwire/zk/recipes/internal/lifecycle"
)

// TreeCache mirrors the subtree at a root path: every node's data, Stat
// and children, read from memory. Build it with NewTreeCache, load it with
// Start, and stop it with Close. See the package documentation for what it
// guarantees across connection loss and session expiry; the root need not
// exist (the cache is empty until it does).
type TreeCache struct {
	c    Client
	root string
	opts options
	st   *store

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the run goroutine and, in one-shot mode, one per watch

	startOnce   sync.Once
	closeOnce   sync.Once
	initialized chan struct{} // closed after the first full read
	done        chan struct{} // closed when the cache stops
	err         error         // why it stopped; written before done closes
	oneShot     bool          // owned by run; read after initialized
}

// NewTreeCache returns a cache of the subtree at root on client c. It
// checks its arguments and sends nothing; Start loads it.
func NewTreeCache(c Client, root string, opts ...Option) (*TreeCache, error) {
	if c == nil {
		return nil, fmt.Errorf("cache: nil client: %w", zk.ErrInvalidArgument)
	}
	if err := zk.ValidatePath(root, false); err != nil {
		return nil, fmt.Errorf("cache: root %q: %w", root, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &TreeCache{
		c: c, root: root, opts: applyOptions(opts), st: newStore(root),
		ctx: ctx, cancel: cancel,
		initialized: make(chan struct{}), done: make(chan struct{}),
	}
	t.oneShot = t.opts.oneShot
	return t, nil
}

// Start registers the cache's watch, then reads the subtree, and returns
// once it is in memory (after the Initialized event), or with ctx's error
// when ctx ends first (the cache is then closed). From then on the cache
// follows the server until Close; ctx only bounds the first load. Start
// may be called once.
func (t *TreeCache) Start(ctx context.Context) error {
	started := false
	t.startOnce.Do(func() {
		started = true
		t.wg.Add(1)
		go t.run()
	})
	if !started {
		return errors.New("cache: Start called twice")
	}
	select {
	case <-t.initialized:
		return nil
	case <-t.done:
		return t.err
	case <-ctx.Done():
		t.Close()
		return ctx.Err()
	}
}

// Close stops the cache and waits for its goroutines. The contents stay
// readable (frozen). It is idempotent and never fails.
func (t *TreeCache) Close() error {
	t.closeOnce.Do(func() {
		t.cancel()
		t.startOnce.Do(func() { close(t.done) }) // never started
		t.wg.Wait()
	})
	return nil
}

// Done is closed when the cache stops: Close, or an end it cannot recover
// from (see Err).
func (t *TreeCache) Done() <-chan struct{} { return t.done }

// Err returns why the cache stopped on its own (zk.ErrSessionExpired on a
// client that does not renew sessions, zk.ErrClosed when the client was
// closed), or nil while it runs or after Close.
func (t *TreeCache) Err() error {
	select {
	case <-t.done:
		return t.err
	default:
		return nil
	}
}

// OneShot reports whether the cache runs on one-shot watches (forced with
// WithOneShotWatches, or chosen because the server lacks persistent
// watches). Meaningful after Start returns.
func (t *TreeCache) OneShot() bool {
	select {
	case <-t.initialized:
		return t.oneShot
	default:
		return t.opts.oneShot
	}
}

// Get returns the cached node at p (a copy), or false if the cache holds
// no such node.
func (t *TreeCache) Get(p string) (Node, bool) { return t.st.get(p) }

// Children returns the sorted names of the cached children of p, or false
// if the cache holds no node p.
func (t *TreeCache) Children(p string) ([]string, bool) { return t.st.children(p) }

// Snapshot returns a copy of every cached node by path.
func (t *TreeCache) Snapshot() map[string]Node { return t.st.snapshot() }

func (t *TreeCache) run() {
	defer t.wg.Done()
	defer close(t.done)
	var err error
	if !t.oneShot {
		err = t.runPersistent()
		if errors.Is(err, zk.ErrUnimplemented) {
			t.oneShot = true // a server before 3.6
		}
	}
	if t.oneShot {
		err = t.runOneShot()
	}
	if t.ctx.Err() != nil {
		err = nil // closed
	}
	t.err = err
}

// emit hands events to the listener and reports the end of a full read.
// full is Initialized or Resynced for the end of a full read, 0 otherwise.
func (t *TreeCache) emit(evs []Event, full EventType) {
	if t.opts.listener != nil {
		for _, ev := range evs {
			t.opts.listener(ev)
		}
	}
	if full == 0 {
		return
	}
	select {
	case <-t.initialized:
		full = Resynced
	default:
		full = Initialized
	}
	if t.opts.listener != nil {
		t.opts.listener(Event{Type: full})
	}
	if full == Initialized {
		close(t.initialized)
	}
}

// recover decides how to go on after err ended a watch or a read: it
// returns nil to go on (having waited for a new session after expiry, or
// backed off on retries), or the error that stops the cache.
func (t *TreeCache) recover(err error, session int64, retries *backoff.Counter) error {
	switch {
	case t.ctx.Err() != nil:
		return t.ctx.Err()
	case lifecycle.Terminal(err):
		return err
	case errors.Is(err, zk.ErrSessionExpired):
		return lifecycle.WaitNewSession(t.ctx, t.c, session)
	}
	if !retries.Wait(t.ctx) {
		return t.ctx.Err()
	}
	return nil
}
