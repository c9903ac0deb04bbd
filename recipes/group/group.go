package group

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
	"github.com/zkwire/zk/recipes/internal/batch"
	"github.com/zkwire/zk/recipes/internal/lifecycle"
	"github.com/zkwire/zk/recipes/node"
)

// Client is the part of *zk.Client the recipe uses.
type Client interface {
	EnsurePath(ctx context.Context, path string, acl []zk.ACL, opts ...zk.EnsureOption) error
	node.Client
	ChildrenW(ctx context.Context, path string) ([]string, *zk.Stat, *zk.Watch, error)
	MultiRead(ctx context.Context, ops ...zk.ReadOp) ([]zk.ReadResult, error)
}

var _ Client = (*zk.Client)(nil)

// ErrNotJoined is returned by Leave for an id this Members did not join.
var ErrNotJoined = errors.New("group: not joined")

// ErrJoined is returned by Join for an id this Members already joined.
var ErrJoined = errors.New("group: already joined")

// Member is one member of the group.
type Member struct {
	ID   string
	Data []byte
}

// Members is one process's view of a group at a node: the members it
// joined and, once started, the cached list of all members. Its methods
// are safe for concurrent use.
type Members struct {
	c   Client
	dir string

	mu      sync.Mutex
	joined  map[string]*node.Persistent // guarded by mu
	list    []Member                    // guarded by mu
	started bool                        // guarded by mu
	closed  bool                        // guarded by mu
	cancel  context.CancelFunc
	done    chan struct{} // closed when the watcher ends
	changes chan []Member // capacity 1: the latest list
}

// New returns the group at dir; nothing is sent.
func New(c Client, dir string) (*Members, error) {
	if c == nil {
		return nil, fmt.Errorf("group: nil client: %w", zk.ErrInvalidArgument)
	}
	if err := zk.ValidatePath(dir, false); err != nil {
		return nil, fmt.Errorf("group: %w", err)
	}
	return &Members{
		c: c, dir: dir, joined: make(map[string]*node.Persistent),
		done: make(chan struct{}), changes: make(chan []Member, 1),
	}, nil
}

// Join adds a member with this id and data (an ephemeral child of the
// group's node, created with missing parents) and keeps it until Leave or
// Close. It returns once the member is in.
func (m *Members) Join(ctx context.Context, id string, data []byte) error {
	if id == "" || strings.Contains(id, "/") {
		return fmt.Errorf("group: member id %q: %w", id, zk.ErrInvalidArgument)
	}
	p, err := node.New(m.c, m.path(id), data, zk.Ephemeral)
	if err != nil {
		return fmt.Errorf("group: %w", err)
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return node.ErrStopped
	}
	if _, ok := m.joined[id]; ok {
		m.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrJoined, id)
	}
	m.joined[id] = p
	m.mu.Unlock()
	if err := p.Start(ctx); err != nil {
		m.mu.Lock()
		delete(m.joined, id)
		m.mu.Unlock()
		return err
	}
	return nil
}

// Leave removes a member this Members joined.
func (m *Members) Leave(ctx context.Context, id string) error {
	m.mu.Lock()
	p, ok := m.joined[id]
	delete(m.joined, id)
	m.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotJoined, id)
	}
	return p.Close(ctx)
}

func (m *Members) path(id string) string {
	return strings.TrimSuffix(m.dir, "/") + "/" + id
}

// Start reads the member list (creating the group's node if missing) and
// keeps the cache up to date until Close. It returns once the first list
// is in, or with ctx's error (then nothing keeps running).
func (m *Members) Start(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("group: nil context: %w", zk.ErrInvalidArgument)
	}
	m.mu.Lock()
	if m.started || m.closed {
		m.mu.Unlock()
		return errors.New("group: already started")
	}
	m.started = true
	wctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.mu.Unlock()
	events := m.c.SessionEvents(wctx)
	first := make(chan error, 1)
	go m.watch(wctx, events, first)
	select {
	case err := <-first:
		if err != nil {
			cancel()
			<-m.done
		}
		return err
	case <-ctx.Done():
		cancel()
		<-m.done
		return ctx.Err()
	}
}

// Members returns the cached member list, sorted by id (nil before Start).
func (m *Members) Members() []Member {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.list)
}

// Changes delivers the member list each time it changes. It holds only the
// latest list: a slow reader skips older ones. It is closed when the cache
// stops (Close, or the client's session ended for good).
func (m *Members) Changes() <-chan []Member { return m.changes }

// Close leaves every member joined through m, stops the cache and waits
// for its goroutine. It returns the first error of a Leave.
func (m *Members) Close(ctx context.Context) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	joined := m.joined
	m.joined = nil
	started, cancel := m.started, m.cancel
	m.mu.Unlock()
	var errs []error
	for _, p := range joined {
		errs = append(errs, p.Close(ctx))
	}
	if started {
		cancel()
		<-m.done
	} else {
		close(m.changes)
	}
	return errors.Join(errs...)
}

// watch keeps the cache: list, read, publish, wait for a change.
func (m *Members) watch(ctx context.Context, events <-chan zk.SessionEvent, first chan<- error) {
	defer close(m.done)
	defer close(m.changes)
	reported := false
	report := func(err error) {
		if !reported {
			reported = true
			first <- err
		}
	}
	var retries backoff.Counter
	for {
		children, _, w, err := m.c.ChildrenW(ctx, m.dir)
		if err == nil {
			var list []Member
			list, err = m.read(ctx, children)
			if err != nil {
				w.Stop()
			} else {
				retries.Reset()
				m.publish(list)
				report(nil)
				select {
				case <-w.C:
					// Changed, or ended by expiry or Close: the next
					// listing tells which.
				case <-ctx.Done():
					w.Stop()
					return
				}
				continue
			}
		}
		if errors.Is(err, zk.ErrNoNode) {
			// Make the node; when it cannot be made (no permission on the
			// parent...) the pause below keeps this from spinning.
			err = m.c.EnsurePath(ctx, m.dir, nil)
		}
		if err != nil {
			if stop, why := lifecycle.Recover(ctx, err, events, reported); stop {
				if why != nil {
					report(why)
				}
				return
			}
		}
		if !retries.Wait(ctx) {
			return
		}
	}
}

// read fetches the data of every child in MultiRead batches bounded in
// count and bytes (sizes from the last list, where a member was in it); a
// child gone meanwhile is left out (its deletion fires the watch anyway).
func (m *Members) read(ctx context.Context, children []string) ([]Member, error) {
	slices.Sort(children)
	if len(children) == 0 {
		return []Member{}, nil
	}
	m.mu.Lock()
	last := make(map[string]int, len(m.list))
	for _, mb := range m.list {
		last[mb.ID] = len(mb.Data)
	}
	m.mu.Unlock()
	sizes := make([]int, len(children))
	for i, ch := range children {
		n, ok := last[ch]
		sizes[i] = batch.Size(n, 0, ok)
	}
	list := make([]Member, 0, len(children))
	err := batch.Run(ctx, sizes, func(lo, hi int) error {
		ops := make([]zk.ReadOp, 0, hi-lo)
		for _, ch := range children[lo:hi] {
			ops = append(ops, zk.GetOp(m.path(ch)))
		}
		res, err := m.c.MultiRead(ctx, ops...)
		if err != nil {
			return err
		}
		for i, r := range res {
			if r.Err == nil {
				list = append(list, Member{ID: children[lo+i], Data: r.Data})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// publish stores list and offers it on Changes if it differs.
func (m *Members) publish(list []Member) {
	m.mu.Lock()
	same := m.list != nil && slices.EqualFunc(m.list, list, func(a, b Member) bool {
		return a.ID == b.ID && bytes.Equal(a.Data, b.Data)
	})
	m.list = list
	m.mu.Unlock()
	if same {
		return
	}
	select {
	case <-m.changes:
	default:
	}
	m.changes <- slices.Clone(list)
}
