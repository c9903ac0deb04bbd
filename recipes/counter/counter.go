package counter

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strconv"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
)

// Client is the part of *zk.Client the recipe uses.
type Client interface {
	EnsurePath(ctx context.Context, path string, acl []zk.ACL, opts ...zk.EnsureOption) error
	Create(ctx context.Context, path string, data []byte, mode zk.CreateMode, acl []zk.ACL) (string, error)
	Get(ctx context.Context, path string) ([]byte, *zk.Stat, error)
	Set(ctx context.Context, path string, data []byte, version int32) (*zk.Stat, error)
}

var _ Client = (*zk.Client)(nil)

var (
	// ErrOutcomeUnknown: an Add's reply was lost and others wrote the
	// counter before it could be read back; the add happened once or not
	// at all. The error also matches zk.ErrConnectionLoss.
	ErrOutcomeUnknown = errors.New("counter: outcome of the add unknown")
	// ErrNotCounter: the node holds something other than a decimal int64.
	ErrNotCounter = errors.New("counter: node does not hold a counter")
	// ErrOverflow: the add would overflow int64; nothing was written.
	ErrOverflow = errors.New("counter: int64 overflow")
)

// Counter is a shared int64 in the node at a path; a missing node counts as
// 0 and is created (with missing parents) by the first write. Its methods
// are safe for concurrent use.
type Counter struct {
	c    Client
	path string
}

// New returns the counter kept at path; nothing is sent.
func New(c Client, path string) (*Counter, error) {
	if c == nil {
		return nil, fmt.Errorf("counter: nil client: %w", zk.ErrInvalidArgument)
	}
	if err := zk.ValidatePath(path, false); err != nil {
		return nil, fmt.Errorf("counter: %w", err)
	}
	if path == "/" {
		return nil, fmt.Errorf("counter: cannot use the root: %w", zk.ErrInvalidArgument)
	}
	return &Counter{c: c, path: path}, nil
}

// Get returns the current value (0 if the node does not exist).
func (k *Counter) Get(ctx context.Context) (int64, error) {
	v, _, _, err := k.read(ctx)
	return v, err
}

// Set makes the value v, whatever it was.
func (k *Counter) Set(ctx context.Context, v int64) error {
	data := []byte(strconv.FormatInt(v, 10))
	var retries backoff.Counter
	for {
		_, err := k.c.Set(ctx, k.path, data, -1)
		// After a connection loss, setting the same value again is harmless.
		if retries.Retry(ctx, err) {
			continue
		}
		switch {
		case err == nil:
			return nil
		case errors.Is(err, zk.ErrNoNode):
			err := k.create(ctx, data, true)
			if err == nil {
				return nil
			}
			if !errors.Is(err, zk.ErrNodeExists) {
				return err
			}
		default:
			return err
		}
	}
}

// Add adds delta and returns the new value. See the package documentation
// for what a lost reply means.
func (k *Counter) Add(ctx context.Context, delta int64) (int64, error) {
	id, err := newOpID()
	if err != nil {
		return 0, err
	}
	var retries backoff.Counter
	for {
		cur, stat, _, err := k.read(ctx)
		if err != nil {
			return 0, err
		}
		next := cur + delta
		if (delta > 0 && next < cur) || (delta < 0 && next > cur) {
			return 0, fmt.Errorf("%w: %d + %d", ErrOverflow, cur, delta)
		}
		data := []byte(strconv.FormatInt(next, 10) + "\n" + id)
		if stat == nil {
			err = k.create(ctx, data, false)
		} else {
			_, err = k.c.Set(ctx, k.path, data, stat.Version)
		}
		switch {
		case err == nil:
			return next, nil
		case errors.Is(err, zk.ErrBadVersion), errors.Is(err, zk.ErrNodeExists), errors.Is(err, zk.ErrNoNode):
			continue // someone else wrote first: read again
		case errors.Is(err, zk.ErrConnectionLoss):
			applied, rerr := k.resolve(ctx, stat, id)
			if rerr != nil {
				return 0, rerr
			}
			if applied {
				return next, nil
			}
			retries.Wait(ctx) // not applied: write again after a pause
		default:
			return 0, err
		}
	}
}

// resolve reads the node back after a write whose reply was lost. before
// is the Stat the write was based on (nil: it was a create). It reports
// whether the write with id was applied, or ErrOutcomeUnknown.
func (k *Counter) resolve(ctx context.Context, before *zk.Stat, id string) (bool, error) {
	_, stat, tag, err := k.read(ctx)
	if err != nil {
		return false, err
	}
	want := int32(0) // version a successful write leaves
	if before != nil {
		want = before.Version + 1
	}
	switch {
	case stat == nil && before == nil:
		return false, nil // the create did not happen
	case stat != nil && before != nil && stat.Version == before.Version:
		return false, nil // nothing written since
	case stat != nil && stat.Version == want:
		return tag == id, nil // exactly one write since: ours or not
	}
	return false, fmt.Errorf("%w: %s: %w", ErrOutcomeUnknown, k.path, zk.ErrConnectionLoss)
}

// read returns the value, the Stat (nil when the node does not exist) and
// the id of the Add that wrote it last ("" if none), retrying after
// connection loss.
func (k *Counter) read(ctx context.Context) (int64, *zk.Stat, string, error) {
	var retries backoff.Counter
	for {
		data, stat, err := k.c.Get(ctx, k.path)
		if retries.Retry(ctx, err) {
			continue
		}
		switch {
		case err == nil:
			v, id, err := parse(data)
			if err != nil {
				return 0, nil, "", fmt.Errorf("%w: %s: %w", ErrNotCounter, k.path, err)
			}
			return v, stat, id, nil
		case errors.Is(err, zk.ErrNoNode):
			return 0, nil, "", nil
		default:
			return 0, nil, "", err
		}
	}
}

// create makes the node with data, and its missing parents. With
// retryLost a create whose reply was lost is sent again (it then meets
// ErrNodeExists if it had worked); Add resolves such a loss itself.
func (k *Counter) create(ctx context.Context, data []byte, retryLost bool) error {
	for {
		_, err := k.c.Create(ctx, k.path, data, zk.Persistent, zk.WorldACL(zk.PermAll))
		switch {
		case err == nil:
			return nil
		case retryLost && errors.Is(err, zk.ErrConnectionLoss):
		case errors.Is(err, zk.ErrNoNode):
			if err := k.c.EnsurePath(ctx, path.Dir(k.path), nil); err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// parse reads "value" or "value\nid"; empty data is 0.
func parse(data []byte) (int64, string, error) {
	if len(data) == 0 {
		return 0, "", nil
	}
	num, id, _ := bytes.Cut(data, []byte("\n"))
	v, err := strconv.ParseInt(string(bytes.TrimSpace(num)), 10, 64)
	return v, string(id), err
}

// newOpID returns 16 random hex digits naming one Add.
func newOpID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}
