package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
)

// Client is the part of *zk.Client the recipe uses.
type Client interface {
	EnsurePath(ctx context.Context, path string, acl []zk.ACL, opts ...zk.EnsureOption) error
	Create(ctx context.Context, path string, data []byte, mode zk.CreateMode, acl []zk.ACL) (string, error)
	Get(ctx context.Context, path string) ([]byte, *zk.Stat, error)
	Delete(ctx context.Context, path string, version int32) error
	Children(ctx context.Context, path string) ([]string, *zk.Stat, error)
	ChildrenW(ctx context.Context, path string) ([]string, *zk.Stat, *zk.Watch, error)
	Multi(ctx context.Context, ops ...zk.Op) ([]zk.OpResult, error)
}

var _ Client = (*zk.Client)(nil)

// ErrEmpty is returned by Poll when the queue has no item.
var ErrEmpty = errors.New("queue: empty")

const (
	itemMark      = "-item-" // in every item's name, before the sequence number
	receiptPrefix = "taken-" // receipts: "taken-" + the item's name
	seqDigits     = 10       // the server's sequence suffix
	cleanupWithin = 10 * time.Second
	// receiptRetention is how long a receipt outlives its Take: a Put whose
	// reply was lost looks for its item's receipt when the item is already
	// taken, and it looks right after reconnecting, well within this.
	receiptRetention = time.Minute
)

// Queue is a FIFO queue in the children of one node (created with its
// parents by the first Put or Take). Its methods are safe for concurrent
// use.
type Queue struct {
	c   Client
	dir string

	mu       sync.Mutex
	receipts []receiptAt // this Queue's receipts, oldest first; guarded by mu
}

// receiptAt is one receipt kept for receiptRetention after its Take.
type receiptAt struct {
	path string
	at   time.Time
}

// New returns the queue kept under dir; nothing is sent.
func New(c Client, dir string) (*Queue, error) {
	if c == nil {
		return nil, fmt.Errorf("queue: nil client: %w", zk.ErrInvalidArgument)
	}
	if err := zk.ValidatePath(dir, false); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if dir == "/" {
		return nil, fmt.Errorf("queue: cannot use the root: %w", zk.ErrInvalidArgument)
	}
	return &Queue{c: c, dir: dir}, nil
}

// Put appends data to the queue, exactly once even if a reply is lost.
func (q *Queue) Put(ctx context.Context, data []byte) error {
	id, err := randomHex(16)
	if err != nil {
		return err
	}
	tag := zk.ProtectedPrefix + id + "-"
	var retries backoff.Counter
	for {
		_, err := q.c.Create(ctx, q.dir+"/"+tag+itemMark[1:], data, zk.PersistentSequential, zk.WorldACL(zk.PermAll))
		switch {
		case err == nil:
			return nil
		case errors.Is(err, zk.ErrNoNode):
			if err := q.c.EnsurePath(ctx, q.dir, nil); err != nil {
				return err
			}
		case errors.Is(err, zk.ErrConnectionLoss):
			retries.Wait(ctx) // a pause; an ended ctx fails the next call
			found, err := q.hasTag(ctx, tag)
			if err != nil {
				return err
			}
			if found {
				return nil
			}
			// Not there: the create did not happen; try again.
		default:
			return err
		}
	}
}

// hasTag reports whether an item whose name starts with tag is in the
// queue (or was: an item already taken counts too, via its receipt).
func (q *Queue) hasTag(ctx context.Context, tag string) (bool, error) {
	children, err := q.list(ctx)
	if err != nil {
		return false, err
	}
	for _, ch := range children {
		if strings.HasPrefix(strings.TrimPrefix(ch, receiptPrefix), tag) {
			return true, nil
		}
	}
	return false, nil
}

// list returns the queue node's children (none if it does not exist yet).
// Connection loss is retried after a pause (package backoff).
func (q *Queue) list(ctx context.Context) ([]string, error) {
	var retries backoff.Counter
	for {
		children, _, err := q.c.Children(ctx, q.dir)
		if retries.Retry(ctx, err) {
			continue
		}
		switch {
		case errors.Is(err, zk.ErrNoNode):
			return nil, nil
		}
		return children, err
	}
}

// Poll takes the head of the queue, or returns ErrEmpty at once.
func (q *Queue) Poll(ctx context.Context) ([]byte, error) {
	children, err := q.list(ctx)
	if err != nil {
		return nil, err
	}
	data, ok, err := q.takeFirst(ctx, children)
	if err != nil || ok {
		return data, err
	}
	return nil, ErrEmpty
}

// Take takes the head of the queue, waiting for an item if there is none,
// until ctx ends.
func (q *Queue) Take(ctx context.Context) ([]byte, error) {
	var retries backoff.Counter
	for {
		children, _, w, err := q.c.ChildrenW(ctx, q.dir)
		if retries.Retry(ctx, err) {
			continue
		}
		switch {
		case errors.Is(err, zk.ErrNoNode):
			if err := q.c.EnsurePath(ctx, q.dir, nil); err != nil {
				return nil, err
			}
			continue
		case err != nil:
			return nil, err
		}
		data, ok, err := q.takeFirst(ctx, children)
		if err != nil || ok {
			w.Stop()
			return data, err
		}
		select {
		case <-w.C:
			// Changed, or ended by expiry or Close: the next listing says.
		case <-ctx.Done():
			w.Stop()
			return nil, ctx.Err()
		}
	}
}

// takeFirst tries the items among children lowest first; ok is false if
// every one was gone.
func (q *Queue) takeFirst(ctx context.Context, children []string) ([]byte, bool, error) {
	items := items(children)
	for _, name := range items {
		data, ok, err := q.take(ctx, name)
		if err != nil || ok {
			return data, ok, err
		}
	}
	return nil, false, nil
}

// take tries to take one item: ok is false if another consumer took it.
func (q *Queue) take(ctx context.Context, name string) ([]byte, bool, error) {
	path := q.dir + "/" + name
	receipt := q.dir + "/" + receiptPrefix + name
	token, err := randomHex(8)
	if err != nil {
		return nil, false, err
	}
	var retries backoff.Counter
	for {
		data, stat, err := q.c.Get(ctx, path)
		if retries.Retry(ctx, err) {
			continue
		}
		switch {
		case errors.Is(err, zk.ErrNoNode):
			return nil, false, nil
		case err != nil:
			return nil, false, err
		}
		_, err = q.c.Multi(ctx,
			zk.DeleteOp(path, stat.Version),
			zk.CreateOp(receipt, []byte(token), zk.Ephemeral, zk.WorldACL(zk.PermAll)))
		var me *zk.MultiError
		switch {
		case err == nil:
			q.keepReceipt(ctx, receipt)
			return data, true, nil
		case errors.As(err, &me):
			return nil, false, nil // gone, or taken: next item
		case errors.Is(err, zk.ErrConnectionLoss), ctx.Err() != nil:
			// Sent, outcome unknown: the receipt says. Even if ctx has
			// ended, an item we took must be returned, not lost.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupWithin)
			mine, again, rerr := q.resolve(rctx, path, receipt, token)
			cancel()
			if rerr != nil {
				return nil, false, errors.Join(err, rerr)
			}
			if mine {
				q.keepReceipt(ctx, receipt)
				return data, true, nil
			}
			if !again || ctx.Err() != nil {
				return nil, false, ctx.Err()
			}
		default:
			return nil, false, err
		}
	}
}

// resolve finds out whether a Take whose reply was lost got the item:
// mine if our receipt is there; again if the item is still there (the
// take did not happen).
func (q *Queue) resolve(ctx context.Context, path, receipt, token string) (mine, again bool, err error) {
	var retries backoff.Counter
	for {
		data, _, err := q.c.Get(ctx, receipt)
		if retries.Retry(ctx, err) {
			continue
		}
		switch {
		case err == nil:
			return string(data) == token, false, nil
		case !errors.Is(err, zk.ErrNoNode):
			return false, false, err
		}
		_, _, err = q.c.Get(ctx, path)
		if retries.Retry(ctx, err) {
			continue
		}
		switch {
		case err == nil:
			return false, true, nil
		case errors.Is(err, zk.ErrNoNode):
			return false, false, nil // taken, and its receipt already dropped
		default:
			return false, false, err
		}
	}
}

// keepReceipt records the receipt of a Take that worked, and deletes the
// receipts older than receiptRetention. Receipts are not deleted at once:
// a Put whose reply was lost finds its taken item by its receipt, and
// without it would add the item a second time. Failing to delete is
// harmless: receipts are ephemeral and go with the session at the latest;
// a failed one is tried again at the next Take.
func (q *Queue) keepReceipt(ctx context.Context, receipt string) {
	now := time.Now()
	q.mu.Lock()
	q.receipts = append(q.receipts, receiptAt{path: receipt, at: now})
	var old []receiptAt
	for len(q.receipts) > 0 && now.Sub(q.receipts[0].at) > receiptRetention {
		old = append(old, q.receipts[0])
		q.receipts = q.receipts[1:]
	}
	q.mu.Unlock()
	if len(old) == 0 {
		return
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupWithin)
	defer cancel()
	for i, r := range old {
		err := q.c.Delete(dctx, r.path, -1)
		if err != nil && !errors.Is(err, zk.ErrNoNode) {
			q.mu.Lock()
			q.receipts = append(old[i:len(old):len(old)], q.receipts...)
			q.mu.Unlock()
			return
		}
	}
}

// items returns the item names among children, in sequence order.
func items(children []string) []string {
	out := make([]string, 0, len(children))
	for _, ch := range children {
		if !strings.HasPrefix(ch, receiptPrefix) && strings.Contains(ch, itemMark) && len(ch) > seqDigits {
			out = append(out, ch)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		return strings.Compare(a[len(a)-seqDigits:], b[len(b)-seqDigits:])
	})
	return out
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
