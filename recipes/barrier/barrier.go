package barrier

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
)

// Client is the part of *zk.Client the recipes use.
type Client interface {
	Create(ctx context.Context, path string, data []byte, mode zk.CreateMode, acl []zk.ACL) (string, error)
	Delete(ctx context.Context, path string, version int32) error
	ExistsW(ctx context.Context, path string) (bool, *zk.Stat, *zk.Watch, error)
	Children(ctx context.Context, path string) ([]string, *zk.Stat, error)
}

var _ Client = (*zk.Client)(nil)

// Barrier holds processes in Wait while its node exists. Any process may
// Set or Remove it.
type Barrier struct {
	c    Client
	path string
}

// New returns the barrier whose node is at path; nothing is sent.
func New(c Client, path string) (*Barrier, error) {
	if err := checkArgs(c, path); err != nil {
		return nil, err
	}
	return &Barrier{c: c, path: path}, nil
}

// Set raises the barrier: it creates the node (and missing parents) as a
// persistent node. A barrier already set is not an error.
func (b *Barrier) Set(ctx context.Context) error {
	return createIdempotent(ctx, b.c, b.path, zk.Persistent)
}

// Remove lowers the barrier, releasing every Wait. A barrier not set is
// not an error.
func (b *Barrier) Remove(ctx context.Context) error {
	return deleteIdempotent(ctx, b.c, b.path)
}

// Wait returns once the barrier's node does not exist (at once if it was
// never set), or with ctx's error.
func (b *Barrier) Wait(ctx context.Context) error {
	var retries backoff.Counter
	for {
		ok, _, w, err := b.c.ExistsW(ctx, b.path)
		if retries.Retry(ctx, err) {
			continue
		}
		if err != nil {
			return err
		}
		if !ok {
			w.Stop()
			return nil
		}
		if err := waitWatch(ctx, w); err != nil {
			return err
		}
	}
}

// waitWatch waits for w's event (whatever it is: the caller looks again)
// or ctx's end.
func waitWatch(ctx context.Context, w *zk.Watch) error {
	select {
	case <-w.C:
		// Fired, or ended by expiry or Close: in both cases the next
		// call tells what to do.
		return nil
	case <-ctx.Done():
		w.Stop()
		return ctx.Err()
	}
}

// createIdempotent creates path (and its missing parents) with mode; an
// existing node, perhaps of a retried create, is success.
func createIdempotent(ctx context.Context, c Client, path string, mode zk.CreateMode) error {
	var retries backoff.Counter
	for {
		_, err := c.Create(ctx, path, nil, mode, zk.WorldACL(zk.PermAll))
		if retries.Retry(ctx, err) {
			continue
		}
		switch {
		case err == nil, errors.Is(err, zk.ErrNodeExists):
			return nil
		case errors.Is(err, zk.ErrNoNode):
			parent := path[:strings.LastIndexByte(path, '/')]
			if parent == "" {
				return err // the root always exists: not a missing parent
			}
			if err := createIdempotent(ctx, c, parent, zk.Persistent); err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// deleteIdempotent deletes path; a missing node, perhaps of a retried
// delete, is success.
func deleteIdempotent(ctx context.Context, c Client, path string) error {
	for {
		err := c.Delete(ctx, path, -1)
		switch {
		case err == nil, errors.Is(err, zk.ErrNoNode):
			return nil
		case errors.Is(err, zk.ErrConnectionLoss):
		default:
			return err
		}
	}
}

func checkArgs(c Client, path string) error {
	if c == nil {
		return fmt.Errorf("barrier: nil client: %w", zk.ErrInvalidArgument)
	}
	if err := zk.ValidatePath(path, false); err != nil {
		return fmt.Errorf("barrier: %w", err)
	}
	if path == "/" {
		return fmt.Errorf("barrier: cannot use the root: %w", zk.ErrInvalidArgument)
	}
	return nil
}
