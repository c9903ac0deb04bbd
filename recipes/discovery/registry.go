package discovery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/zkwire/zk/recipes/internal/backoff"
	"path"
	"sync"
	"time"

	"github.com/zkwire/zk"
)

// Errors of a Registry.
var (
	// ErrAlreadyRegistered: this Registry already registered the instance
	// (use Update).
	ErrAlreadyRegistered = errors.New("discovery: instance already registered")
	// ErrNotRegistered: this Registry has no such registration.
	ErrNotRegistered = errors.New("discovery: instance not registered")
	// ErrConflict: another session holds the instance's node.
	ErrConflict = errors.New("discovery: instance node held by another session")
	// ErrRegistryClosed: the Registry was closed.
	ErrRegistryClosed = errors.New("discovery: registry closed")
)

// Registry registers instances and keeps their nodes in place until
// Unregister or Close. See the package documentation for what it
// guarantees across connection loss and session expiry.
type Registry struct {
	c   Client
	cfg config

	ctx    context.Context // ends at Close
	cancel context.CancelFunc

	mu     sync.Mutex
	regs   map[string]*registration // guarded by mu, by node path
	closed bool                     // guarded by mu
}

// NewRegistry returns a registry writing through c. It checks its options
// and sends nothing.
func NewRegistry(c Client, opts ...Option) (*Registry, error) {
	if c == nil {
		return nil, fmt.Errorf("discovery: nil client: %w", zk.ErrInvalidArgument)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Registry{c: c, cfg: cfg, ctx: ctx, cancel: cancel, regs: make(map[string]*registration)}, nil
}

// Register writes inst as an ephemeral node <base>/<name>/<id> (creating
// the parents as persistent nodes) and returns once the node holds inst, or
// with the error that prevented it (ErrInvalidInstance before anything is
// sent, ErrConflict when another session holds the node, ctx's error). From
// then on the registry keeps the node in place: it puts it back if it is
// deleted and after session expiry, until Unregister or Close.
func (r *Registry) Register(ctx context.Context, inst Instance) error {
	p, data, err := r.encode(inst)
	if err != nil {
		return err
	}
	reg := newRegistration(p, data)
	r.mu.Lock()
	switch {
	case r.closed:
		r.mu.Unlock()
		return ErrRegistryClosed
	case r.regs[p] != nil:
		r.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrAlreadyRegistered, p)
	}
	r.regs[p] = reg
	r.mu.Unlock()

	if err := r.ensure(ctx, p, data); err != nil {
		r.mu.Lock()
		delete(r.regs, p)
		r.mu.Unlock()
		return fmt.Errorf("discovery: register %s: %w", p, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.remove(ctx, p)
		return ErrRegistryClosed
	}
	reg.applied = 1
	reg.setInPlace(true)
	kctx, cancel := context.WithCancel(r.ctx)
	reg.cancel = cancel
	reg.ready = true
	go r.keep(kctx, reg)
	return nil
}

// encode checks inst and returns its node's path and data.
func (r *Registry) encode(inst Instance) (string, []byte, error) {
	if err := inst.validate(); err != nil {
		return "", nil, err
	}
	data, err := json.Marshal(inst)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrInvalidInstance, err)
	}
	return join(r.cfg.base, inst.Name, inst.ID), data, nil
}

// Update replaces a registered instance's data (same Name and ID; for
// example a new Load) and returns once its node holds it. When it returns
// an error (ctx ended, connection lost) the registry still applies the
// update as soon as it can.
func (r *Registry) Update(ctx context.Context, inst Instance) error {
	p, data, err := r.encode(inst)
	if err != nil {
		return err
	}
	r.mu.Lock()
	reg := r.regs[p]
	if reg != nil && !reg.ready {
		reg = nil
	}
	r.mu.Unlock()
	if reg == nil {
		return fmt.Errorf("%w: %s", ErrNotRegistered, p)
	}
	gen := reg.set(data)
	return reg.waitApplied(ctx, gen)
}

// Unregister stops keeping the instance and deletes its node (if this
// session holds it).
func (r *Registry) Unregister(ctx context.Context, name, id string) error {
	if err := validName("service name", name); err != nil {
		return err
	}
	if err := validName("instance id", id); err != nil {
		return err
	}
	p := join(r.cfg.base, name, id)
	r.mu.Lock()
	reg := r.regs[p]
	if reg != nil && !reg.ready {
		reg = nil
	}
	if reg != nil {
		delete(r.regs, p)
	}
	r.mu.Unlock()
	if reg == nil {
		return fmt.Errorf("%w: %s", ErrNotRegistered, p)
	}
	reg.stop()
	return r.remove(ctx, p)
}

// Lost returns a channel closed when the node of the registration of
// name/id is not known to be in place: deleted (until it is put back),
// gone with an expired session, or as soon as the client has been cut off
// for the whole session timeout (zk.StateLost: the server may have expired
// the session, and discoverers no longer see the instance). Once the node
// is back (re-created, or found still there and ours when the session
// turned out alive), Lost returns a new, open channel. It returns
// ErrNotRegistered for an unknown registration.
func (r *Registry) Lost(name, id string) (<-chan struct{}, error) {
	p := join(r.cfg.base, name, id)
	r.mu.Lock()
	reg := r.regs[p]
	if reg != nil && !reg.ready {
		reg = nil
	}
	r.mu.Unlock()
	if reg == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotRegistered, p)
	}
	return reg.lostChan(), nil
}

// Err returns why the registration of name/id stopped being kept (zk
// ErrSessionExpired on a client that does not renew sessions, zk.ErrClosed)
// or nil while it is kept. It returns ErrNotRegistered for an unknown one.
func (r *Registry) Err(name, id string) error {
	p := join(r.cfg.base, name, id)
	r.mu.Lock()
	reg := r.regs[p]
	if reg != nil && !reg.ready {
		reg = nil
	}
	r.mu.Unlock()
	if reg == nil {
		return fmt.Errorf("%w: %s", ErrNotRegistered, p)
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return reg.err
}

// Close stops keeping every registration, deletes their nodes (best
// effort, at most a few seconds; the session's end removes them anyway)
// and waits for the registry's goroutines. It is idempotent.
func (r *Registry) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	regs := r.regs
	r.regs = nil
	r.mu.Unlock()
	r.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for p, reg := range regs {
		if !reg.ready {
			continue // a Register still in progress fails on its own
		}
		reg.stop()
		r.remove(ctx, p)
	}
	return nil
}

// remove deletes p if this session holds it.
func (r *Registry) remove(ctx context.Context, p string) error {
	_, st, err := r.c.Get(ctx, p)
	if errors.Is(err, zk.ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.EphemeralOwner != r.c.SessionID() {
		return nil // not ours (any more)
	}
	if err := r.c.Delete(ctx, p, st.Version); err != nil && !errors.Is(err, zk.ErrNoNode) {
		return err
	}
	return nil
}

// ensure makes p an ephemeral node of this session holding data. After a
// connection loss it finds out what the lost call did instead of assuming.
func (r *Registry) ensure(ctx context.Context, p string, data []byte) error {
	var retries backoff.Counter
	for {
		_, err := r.c.Create(ctx, p, data, zk.Ephemeral, r.cfg.acl)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, zk.ErrNoNode):
			if err := r.c.EnsurePath(ctx, path.Dir(p), r.cfg.acl); err != nil {
				return err
			}
			continue
		case errors.Is(err, zk.ErrNodeExists):
			got, st, err := r.c.Get(ctx, p)
			if errors.Is(err, zk.ErrNoNode) {
				continue
			}
			if err != nil {
				return err
			}
			if st.EphemeralOwner != r.c.SessionID() {
				return fmt.Errorf("%w (session %#x)", ErrConflict, st.EphemeralOwner)
			}
			if bytes.Equal(got, data) {
				return nil
			}
			_, err = r.c.Set(ctx, p, data, st.Version)
			if err == nil || errors.Is(err, zk.ErrNoNode) || errors.Is(err, zk.ErrBadVersion) {
				if err == nil {
					return nil
				}
				continue
			}
			return err
		case errors.Is(err, zk.ErrConnectionLoss):
			// The create may have been applied: the next attempt tells.
			if !retries.Wait(ctx) {
				return ctx.Err()
			}
		default:
			return err
		}
	}
}
