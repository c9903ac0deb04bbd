package barrier

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
)

// readyName is the child that says the group is complete.
const readyName = "ready"

// DoubleBarrier makes n participants start together (Enter returns once n
// have entered) and finish together (Leave returns once all have left).
// Each participant has its own DoubleBarrier on the same path: an
// ephemeral child with a random name says it is in; the last to enter
// creates the child "ready", which releases everyone waiting in Enter; the
// last to leave deletes it.
//
// A path serves one round at a time: enter it again only once Leave has
// returned for every participant. Its methods are not meant for concurrent
// use on one DoubleBarrier (one participant enters, then leaves).
type DoubleBarrier struct {
	c    Client
	path string
	n    int
	me   string // this participant's child name
}

// NewDouble returns a participant of the barrier at path for n
// participants; nothing is sent.
func NewDouble(c Client, path string, n int) (*DoubleBarrier, error) {
	if err := checkArgs(c, path); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("barrier: %d participants: %w", n, zk.ErrInvalidArgument)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	return &DoubleBarrier{c: c, path: path, n: n, me: "p-" + hex.EncodeToString(b[:])}, nil
}

// Enter adds this participant and returns once n participants are in.
// If ctx ends first, it takes the participant out again and returns ctx's
// error.
func (d *DoubleBarrier) Enter(ctx context.Context) error {
	if err := d.enter(ctx); err != nil {
		if ctx.Err() != nil {
			d.cleanup(ctx)
		}
		return err
	}
	return nil
}

func (d *DoubleBarrier) enter(ctx context.Context) error {
	ready := d.path + "/" + readyName
	var retries backoff.Counter
	for {
		// Every round: after an expiry the node must be put back.
		if err := createIdempotent(ctx, d.c, d.path+"/"+d.me, zk.Ephemeral); err != nil {
			return err
		}
		// Watch "ready" before counting, so that its creation by the
		// last to enter cannot be missed.
		ok, _, w, err := d.c.ExistsW(ctx, ready)
		if retries.Retry(ctx, err) {
			continue
		}
		if err != nil {
			return err
		}
		if ok {
			w.Stop()
			return nil
		}
		in, err := d.participants(ctx)
		if err != nil {
			w.Stop()
			return err
		}
		if len(in) >= d.n {
			w.Stop()
			return createIdempotent(ctx, d.c, ready, zk.Persistent)
		}
		if err := waitWatch(ctx, w); err != nil {
			return err
		}
	}
}

// Leave takes this participant out and returns once every participant
// has left. If ctx ends first, it still takes the participant out (if it
// was not yet) and returns ctx's error.
func (d *DoubleBarrier) Leave(ctx context.Context) error {
	if err := d.leave(ctx); err != nil {
		if ctx.Err() != nil {
			d.cleanup(ctx)
		}
		return err
	}
	return nil
}

func (d *DoubleBarrier) leave(ctx context.Context) error {
	var retries backoff.Counter
	for {
		in, err := d.participants(ctx)
		if err != nil {
			return err
		}
		mine := slices.Contains(in, d.me)
		if len(in) == 0 || (len(in) == 1 && mine) {
			if mine {
				if err := deleteIdempotent(ctx, d.c, d.path+"/"+d.me); err != nil {
					return err
				}
			}
			// Last out: the next round starts without "ready".
			return deleteIdempotent(ctx, d.c, d.path+"/"+readyName)
		}
		// The lowest participant waits for the highest; everyone else
		// leaves and waits for the lowest. Each waits on one node, so a
		// departure wakes one waiter, not all (no herd).
		target := in[0]
		if in[0] == d.me {
			target = in[len(in)-1]
		} else if mine {
			if err := deleteIdempotent(ctx, d.c, d.path+"/"+d.me); err != nil {
				return err
			}
		}
		ok, _, w, err := d.c.ExistsW(ctx, d.path+"/"+target)
		if retries.Retry(ctx, err) {
			continue
		}
		if err != nil {
			return err
		}
		if !ok {
			w.Stop()
			continue
		}
		if err := waitWatch(ctx, w); err != nil {
			return err
		}
	}
}

// participants lists the participants in, sorted by name.
func (d *DoubleBarrier) participants(ctx context.Context) ([]string, error) {
	var retries backoff.Counter
	for {
		children, _, err := d.c.Children(ctx, d.path)
		if retries.Retry(ctx, err) {
			continue
		}
		if errors.Is(err, zk.ErrNoNode) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		children = slices.DeleteFunc(children, func(s string) bool { return s == readyName })
		slices.Sort(children)
		return children, nil
	}
}

// cleanup removes this participant's node after ctx ended, with a short
// deadline of its own.
func (d *DoubleBarrier) cleanup(ctx context.Context) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = deleteIdempotent(cctx, d.c, d.path+"/"+d.me)
}
