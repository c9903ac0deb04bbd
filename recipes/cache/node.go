package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/zkwire/zk"
)

// NodeCache mirrors one node: its data and Stat, or its absence. It follows
// the node with zk.WatchData (one-shot watches, re-armed with every read,
// so it works on any server version) and resumes after session expiry on a
// client built with zk.WithNewSessionOnExpiry. It shows the latest state:
// changes that come faster than it can read may be seen as one.
type NodeCache struct {
	c    *zk.Client
	path string
	opts options

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	startOnce   sync.Once
	closeOnce   sync.Once
	initialized chan struct{}
	done        chan struct{}
	err         error // written before done closes

	mu      sync.Mutex
	node    *Node         // guarded by mu; nil while absent
	changed chan struct{} // guarded by mu; closed and replaced at every change
}

// NewNodeCache returns a cache of the node at p on client c. It checks its
// arguments and sends nothing; Start loads it. WithOneShotWatches has no
// effect (it always uses one-shot watches).
func NewNodeCache(c *zk.Client, p string, opts ...Option) (*NodeCache, error) {
	if c == nil {
		return nil, fmt.Errorf("cache: nil client: %w", zk.ErrInvalidArgument)
	}
	if err := zk.ValidatePath(p, false); err != nil {
		return nil, fmt.Errorf("cache: path %q: %w", p, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &NodeCache{
		c: c, path: p, opts: applyOptions(opts), ctx: ctx, cancel: cancel,
		initialized: make(chan struct{}), done: make(chan struct{}), changed: make(chan struct{}),
	}, nil
}

// Start reads the node and returns once its state is in memory (after the
// Initialized event), or with ctx's error if ctx ends first (the cache is
// then closed). ctx bounds only the first read; the cache runs until
// Close. Start may be called once.
func (n *NodeCache) Start(ctx context.Context) error {
	started := false
	var err error
	n.startOnce.Do(func() {
		started = true
		var updates <-chan zk.DataUpdate
		updates, err = zk.WatchData(n.ctx, n.c, n.path, zk.ResumeAfterExpiry())
		if err != nil {
			close(n.done)
			return
		}
		n.wg.Add(1)
		go n.run(updates)
	})
	if !started {
		return errors.New("cache: Start called twice")
	}
	if err != nil {
		return err
	}
	select {
	case <-n.initialized:
		return nil
	case <-n.done:
		return n.err
	case <-ctx.Done():
		n.Close()
		return ctx.Err()
	}
}

// Close stops the cache and waits for its goroutines; the last state stays
// readable. It is idempotent.
func (n *NodeCache) Close() error {
	n.closeOnce.Do(func() {
		n.cancel()
		n.startOnce.Do(func() { close(n.done) })
		n.wg.Wait()
	})
	return nil
}

// Done is closed when the cache stops (Close, or see Err).
func (n *NodeCache) Done() <-chan struct{} { return n.done }

// Err returns why the cache stopped on its own (zk.ErrSessionExpired on a
// client that does not renew sessions, zk.ErrClosed, a permission error),
// or nil while it runs or after Close.
func (n *NodeCache) Err() error {
	select {
	case <-n.done:
		return n.err
	default:
		return nil
	}
}

// Get returns the node's cached data and Stat (a copy), or false while it
// does not exist.
func (n *NodeCache) Get() (Node, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.node == nil {
		return Node{}, false
	}
	return Node{Data: bytes.Clone(n.node.Data), Stat: n.node.Stat}, true
}

// Changed returns a channel closed at the next change of the cached state
// (or when the cache stops). Take it before calling Get to wait without
// missing a change:
//
//	for {
//		ch := nc.Changed()
//		if node, ok := nc.Get(); ok && ready(node) { break }
//		<-ch
//	}
func (n *NodeCache) Changed() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.changed
}

func (n *NodeCache) run(updates <-chan zk.DataUpdate) {
	defer n.wg.Done()
	defer close(n.done)
	defer func() {
		n.mu.Lock()
		close(n.changed)
		n.changed = make(chan struct{})
		n.mu.Unlock()
	}()
	first := true
	for u := range updates {
		if u.Err != nil {
			n.err = u.Err
			return
		}
		ev := n.apply(u)
		if n.opts.listener != nil && ev.Type != 0 {
			n.opts.listener(ev)
		}
		if first {
			first = false
			if n.opts.listener != nil {
				n.opts.listener(Event{Type: Initialized})
			}
			close(n.initialized)
		}
	}
}

// apply stores u and returns the event it implies (Type 0: none).
func (n *NodeCache) apply(u zk.DataUpdate) Event {
	n.mu.Lock()
	defer n.mu.Unlock()
	old := n.node
	var ev Event
	switch {
	case u.Stat == nil && old == nil:
		return ev
	case u.Stat == nil:
		n.node = nil
		ev = Event{Type: NodeRemoved, Path: n.path, Data: old.Data, Stat: &old.Stat}
	default:
		nn := &Node{Data: bytes.Clone(u.Data), Stat: *u.Stat}
		if old != nil && old.Stat.Czxid == nn.Stat.Czxid && old.Stat.Mzxid >= nn.Stat.Mzxid {
			return ev // nothing newer
		}
		n.node = nn
		ev = Event{Type: NodeUpdated, Path: n.path, Data: nn.Data, Stat: &nn.Stat}
		if old == nil {
			ev.Type = NodeAdded
		}
	}
	close(n.changed)
	n.changed = make(chan struct{})
	return ev
}
