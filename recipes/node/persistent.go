package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
	"github.com/zkwire/zk/recipes/internal/lifecycle"
)

// ErrStarted is returned by a second Start.
var ErrStarted = errors.New("node: already started")

// ErrStopped is returned by SetData once the node is no longer kept
// (after Close, or after a failed Start).
var ErrStopped = errors.New("node: not kept")

// Option configures a Persistent.
type Option func(*Persistent)

// WithACL sets the ACL of the node (default: world, all permissions).
func WithACL(acl []zk.ACL) Option { return func(p *Persistent) { p.acl = acl } }

// WithProtection creates the node with zk.Client.CreateProtected: its name
// carries a random id ("_c_<uuid>-" before the last segment, a new one
// each time the node is made), so that a create whose reply was lost is
// found again instead of being made twice. Use it for sequential nodes.
func WithProtection() Option { return func(p *Persistent) { p.protect = true } }

// Persistent keeps one node in place; see the package documentation for
// what it guarantees. Its methods are safe for concurrent use.
type Persistent struct {
	c       Client
	mode    zk.CreateMode
	acl     []zk.ACL
	protect bool
	dir     string // parent of the node
	target  string // path created (CreateProtected adds its tag to the name)

	mu        sync.Mutex
	data      []byte        // guarded by mu: what the node should hold
	gen       uint64        // guarded by mu: bumped by every SetData
	applied   uint64        // guarded by mu: the gen the node is known to hold
	changed   chan struct{} // guarded by mu: closed and replaced when applied or err change
	path      string        // guarded by mu: the node's path when last in place
	err       error         // guarded by mu: why keeping ended; nil while it runs
	started   bool          // guarded by mu
	closed    bool          // guarded by mu
	cancel    context.CancelFunc
	done      chan struct{} // closed when the keeper goroutine ends
	kick      chan struct{} // capacity 1: SetData has new data
	created   chan string   // capacity 1: the latest path created or adopted
	inPlace   bool          // guarded by mu: the node is known to be in place
	lost      chan struct{} // guarded by mu: closed while not in place
	closeOnce sync.Once
}

// New prepares a node at path with mode zk.Persistent, zk.Ephemeral,
// zk.PersistentSequential or zk.EphemeralSequential; nothing is sent until
// Start. Bad arguments are reported here.
func New(c Client, path string, data []byte, mode zk.CreateMode, opts ...Option) (*Persistent, error) {
	if c == nil {
		return nil, fmt.Errorf("node: nil client: %w", zk.ErrInvalidArgument)
	}
	switch mode {
	case zk.Persistent, zk.Ephemeral, zk.PersistentSequential, zk.EphemeralSequential:
	default:
		return nil, fmt.Errorf("node: mode %d not supported (persistent or ephemeral, sequential or not): %w", mode, zk.ErrInvalidArgument)
	}
	if err := zk.ValidatePath(path, mode.IsSequential()); err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	if path == "/" {
		return nil, fmt.Errorf("node: cannot keep the root: %w", zk.ErrInvalidArgument)
	}
	p := &Persistent{
		c: c, mode: mode, acl: zk.WorldACL(zk.PermAll),
		data: bytes.Clone(data), gen: 1,
		changed: make(chan struct{}), done: make(chan struct{}),
		kick: make(chan struct{}, 1), created: make(chan string, 1),
		lost: closedChan(),
	}
	for _, o := range opts {
		o(p)
	}
	if len(p.acl) == 0 {
		return nil, fmt.Errorf("node: empty ACL: %w", zk.ErrInvalidArgument)
	}
	p.dir, p.target = path[:strings.LastIndexByte(path, '/')], path
	if p.dir == "" {
		p.dir = "/"
	}
	return p, nil
}

// Start creates the node (and its missing parents, as persistent nodes)
// and returns once it is in place; from then on it is kept until Close.
// If ctx ends or the create fails for good (no permission, say) first,
// Start returns why and nothing keeps running; the node may still exist if
// a create's reply was lost (an ephemeral one goes with the session).
func (p *Persistent) Start(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("node: nil context: %w", zk.ErrInvalidArgument)
	}
	p.mu.Lock()
	if p.started || p.closed {
		p.mu.Unlock()
		return ErrStarted
	}
	p.started = true
	kctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.mu.Unlock()
	events := p.c.SessionEvents(kctx)
	first := make(chan error, 1)
	go p.run(kctx, events, first)
	select {
	case err := <-first:
		if err == nil {
			return nil
		}
		cancel()
		<-p.done
		return err
	case <-ctx.Done():
		cancel()
		<-p.done
		return ctx.Err()
	}
}

// Path returns the node's path as last created or found in place ("" before
// Start). A sequential or protected node gets a new path each time it is created again;
// between its loss and its return Path still reports the old one.
func (p *Persistent) Path() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.path
}

// Created delivers the node's path each time it is created or adopted (once
// after Start, again after each re-creation). It holds only the latest path:
// a slow reader skips older ones. It is never closed.
func (p *Persistent) Created() <-chan string { return p.created }

// Lost returns a channel closed when the node is not known to be in place:
// before it is first in place, after it was deleted, after the session
// that owns an ephemeral node expired, and as soon as the client has been
// cut off for the whole session timeout (zk.StateLost: the server may have
// expired the session, taking the node). Once the node is back (re-created,
// or found still there and ours when the session turned out alive), it is
// announced on Created again and Lost returns a new, open channel. After
// keeping ends it stays closed.
func (p *Persistent) Lost() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lost
}

// setInPlace records whether the node is known to be in place; it
// reports whether that changed.
func (p *Persistent) setInPlace(v bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inPlace == v {
		return false
	}
	p.inPlace = v
	if v {
		p.lost = make(chan struct{})
	} else {
		close(p.lost)
	}
	return true
}

// sessionEvent marks an ephemeral node not in place when its session may
// be over: expired, or lost (the deadline passed without contact).
func (p *Persistent) sessionEvent(ev zk.SessionEvent) {
	if !p.mode.IsEphemeral() {
		return
	}
	switch {
	case ev.State == zk.StateExpired,
		ev.State == zk.StateLost && !p.backOn(ev.SessionID):
		p.setInPlace(false)
	}
}

// backOn reports whether the client is connected to session id now. A
// StateLost of that session read after it (the follower runs apart from
// the keeper, which may have confirmed the node meanwhile) is stale: the
// session proved alive, and acting on it would make the node flap.
func (p *Persistent) backOn(id int64) bool {
	s, ok := p.c.(interface{ State() zk.State })
	return ok && id != 0 && lifecycle.Connected(s.State()) && p.c.SessionID() == id
}

// follow marks an ephemeral node not in place as soon as its session may
// be over, whatever the keeper is doing (it may be waiting on a call for
// the whole partition), and on the next connection asks the keeper to
// check the node, which marks it in place again once it is there and ours.
func (p *Persistent) follow(ctx context.Context, events <-chan zk.SessionEvent) {
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			p.sessionEvent(ev)
			if lifecycle.Connected(ev.State) && !p.isInPlace() {
				select {
				case p.kick <- struct{}{}:
				default:
				}
			}
		case <-ctx.Done():
			return
		}
	}
}

func (p *Persistent) isInPlace() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inPlace
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// SetData changes the data kept in the node and returns once the node holds
// it, or when ctx ends (the data is then still applied when it can be).
// Before Start it only records the data. It fails with ErrStopped (or the
// reason keeping ended, such as zk.ErrSessionExpired) when the node is no
// longer kept.
func (p *Persistent) SetData(ctx context.Context, data []byte) error {
	if ctx == nil {
		return fmt.Errorf("node: nil context: %w", zk.ErrInvalidArgument)
	}
	p.mu.Lock()
	if p.closed || p.err != nil {
		err := p.stoppedErr()
		p.mu.Unlock()
		return err
	}
	p.data = bytes.Clone(data)
	p.gen++
	want, started := p.gen, p.started
	p.mu.Unlock()
	if !started {
		return nil // Start creates the node with it
	}
	select {
	case p.kick <- struct{}{}:
	default:
	}
	for {
		p.mu.Lock()
		applied, ch, err := p.applied, p.changed, p.err
		p.mu.Unlock()
		if applied >= want {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stoppedErr says why the node is not kept; p.mu is held.
func (p *Persistent) stoppedErr() error {
	if p.err != nil && !errors.Is(p.err, ErrStopped) {
		return p.err
	}
	return ErrStopped
}

// Close stops keeping the node, waits for the recipe's goroutine, then
// deletes the node, whatever its mode (an ephemeral one would go with the
// session anyway). A delete whose reply is lost is retried; ErrNoNode then
// means it worked. Close returns the delete's error if it failed for
// another reason or ctx ended first. Calling it again does nothing.
func (p *Persistent) Close(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("node: nil context: %w", zk.ErrInvalidArgument)
	}
	first := false
	p.closeOnce.Do(func() { first = true })
	if !first {
		return nil
	}
	p.mu.Lock()
	p.closed = true
	started, cancel := p.started, p.cancel
	p.mu.Unlock()
	if !started {
		return nil
	}
	cancel()
	<-p.done
	// A protected re-creation cut short by Close removes what it may have
	// made itself (zk.Client.CreateProtected).
	return p.remove(ctx, p.Path())
}

// remove deletes path ("" : nothing), retrying after a lost reply.
func (p *Persistent) remove(ctx context.Context, path string) error {
	if path == "" {
		return nil
	}
	var retries backoff.Counter
	for {
		err := p.c.Delete(ctx, path, -1)
		// After a connection loss the outcome is unknown: ErrNoNode next
		// time means it worked.
		if retries.Retry(ctx, err) {
			continue
		}
		switch {
		case err == nil, errors.Is(err, zk.ErrNoNode):
			return nil
		default:
			return p.ignoreGone(err)
		}
	}
}

// ignoreGone drops the error of a cleanup that the session's end made
// needless: an ephemeral node went with it.
func (p *Persistent) ignoreGone(err error) error {
	if p.mode.IsEphemeral() && (errors.Is(err, zk.ErrSessionExpired) || errors.Is(err, zk.ErrClosed)) {
		return nil
	}
	return err
}

// run is the keeper: it puts the node in place, watches it, and does it
// again when the node goes, the session changes or SetData asks. first
// receives nil once the node is first in place, or why it could not be.
func (p *Persistent) run(ctx context.Context, events <-chan zk.SessionEvent, first chan<- error) {
	var (
		cur      string // the node's path; "" while it must be created
		reported bool
	)
	defer func() {
		p.setInPlace(false)
		p.mu.Lock()
		if p.err == nil {
			p.err = ErrStopped
		}
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
		close(p.done)
	}()
	if p.mode.IsEphemeral() {
		fctx, stop := context.WithCancel(ctx)
		followed := make(chan struct{})
		go func() {
			defer close(followed)
			p.follow(fctx, p.c.SessionEvents(fctx))
		}()
		defer func() {
			stop()
			<-followed
		}()
	}
	end := func(err error) {
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		if !reported {
			first <- err
		}
	}
	var retries backoff.Counter
	for {
		w, inPlace, err := p.keep(ctx, &cur)
		if err == nil {
			retries.Reset()
			if inPlace && !reported {
				reported = true
				first <- nil
			}
			select {
			case ev, ok := <-w.C:
				// Fired (deleted, changed) or ended: look again. An ending
				// by expiry waits for the new session first.
				if ok && ev.Err != nil && p.mode.IsEphemeral() {
					p.setInPlace(false) // the watch ended with the session
				}
				if ok && ev.Err != nil && !lifecycle.AwaitConnected(ctx, events) {
					end(ev.Err)
					return
				}
			case ev, ok := <-events:
				w.Stop()
				if !ok {
					end(zk.ErrSessionExpired)
					return
				}
				// Look again: after StateLost the next look waits for the
				// reconnection and checks the node is still ours.
				p.sessionEvent(ev)
			case <-p.kick:
				w.Stop()
			case <-ctx.Done():
				w.Stop()
				return
			}
			continue
		}
		if errors.Is(err, zk.ErrSessionExpired) && p.mode.IsEphemeral() {
			p.setInPlace(false)
		}
		if stop, why := lifecycle.Recover(ctx, err, events, reported); stop {
			if why != nil {
				end(why)
			}
			return
		}
		// Look again after a pause (ended early by a session event or
		// SetData). Ended events: the next round's error tells why.
		if !p.pause(ctx, events, retries.Next()) && ctx.Err() != nil {
			return
		}
	}
}

// keep makes sure the node exists, is ours and holds the latest data, and
// returns an exists watch on it. inPlace is false while another session's
// ephemeral node holds the path: the watch then waits for it to go.
func (p *Persistent) keep(ctx context.Context, cur *string) (w *zk.Watch, inPlace bool, err error) {
	made := false
	for {
		if *cur == "" {
			path, fresh, err := p.create(ctx)
			if err != nil {
				return nil, false, err
			}
			*cur, made = path, true
			if !fresh {
				p.markApplied(0) // adopted: its data must be set
			}
		}
		ok, stat, w, err := p.c.ExistsW(ctx, *cur)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			w.Stop()
			p.setInPlace(false)
			*cur = ""
			continue
		}
		if !p.ours(stat) {
			p.setInPlace(false)
			if p.mode.IsSequential() {
				w.Stop() // a unique name we do not own: make another
				*cur = ""
				continue
			}
			return w, false, nil
		}
		p.mu.Lock()
		data, gen, applied := p.data, p.gen, p.applied
		p.mu.Unlock()
		if applied != gen {
			w.Stop() // our own set would fire it
			if _, err := p.c.Set(ctx, *cur, data, -1); err != nil {
				if errors.Is(err, zk.ErrNoNode) {
					*cur = ""
					continue
				}
				return nil, false, err
			}
			p.markApplied(gen)
			continue
		}
		p.mu.Lock()
		newPath := p.path != *cur
		p.path = *cur
		p.mu.Unlock()
		// A node back in place after it was not known to be (StateLost
		// with the session alive) is announced again too.
		if back := p.setInPlace(true); newPath || made || back {
			p.announce(*cur)
		}
		return w, true, nil
	}
}

// ours reports whether the node found is the one this recipe keeps: an
// ephemeral of this session, or a persistent node.
func (p *Persistent) ours(stat *zk.Stat) bool {
	if p.mode.IsEphemeral() {
		return stat.EphemeralOwner == p.c.SessionID()
	}
	return stat.EphemeralOwner == 0
}

// create makes the node with the latest data. fresh is false when an
// existing node was adopted instead (its data not known to be ours).
func (p *Persistent) create(ctx context.Context) (path string, fresh bool, err error) {
	p.mu.Lock()
	data, gen := p.data, p.gen
	p.mu.Unlock()
	for {
		var (
			path string
			err  error
		)
		if p.protect {
			// Found again by its id after a lost reply.
			path, _, err = p.c.CreateProtected(ctx, p.target, data, p.mode, p.acl)
		} else {
			path, err = p.c.Create(ctx, p.target, data, p.mode, p.acl)
		}
		switch {
		case err == nil:
			p.markApplied(gen)
			return path, true, nil
		case !p.protect && !p.mode.IsSequential() && errors.Is(err, zk.ErrNodeExists):
			// Ours from a create whose reply was lost, or someone else's:
			// keep checks the owner.
			return p.target, false, nil
		case errors.Is(err, zk.ErrNoNode):
			if err := p.c.EnsurePath(ctx, p.dir, nil); err != nil {
				return "", false, err
			}
		case errors.Is(err, zk.ErrConnectionLoss):
			// Not protected: a non-sequential retry meets ErrNodeExists if
			// it worked; a sequential one may make a second node.
		default:
			return "", false, err
		}
	}
}

func (p *Persistent) markApplied(gen uint64) {
	p.mu.Lock()
	p.applied = gen
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

// announce replaces whatever Created holds with path. Only the keeper
// sends, so the drain-then-send cannot block.
func (p *Persistent) announce(path string) {
	select {
	case <-p.created:
	default:
	}
	p.created <- path
}

// pause waits d, or less if a session event or kick comes. It returns false
// if the events end or ctx ends.
func (p *Persistent) pause(ctx context.Context, events <-chan zk.SessionEvent, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case ev, ok := <-events:
		if ok {
			p.sessionEvent(ev)
		}
		return ok
	case <-p.kick:
	case <-ctx.Done():
		return false
	}
	return true
}
