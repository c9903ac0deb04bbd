package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/zkwire/zk"
)

// opDeadline bounds every workload call.
const opDeadline = 10 * time.Second

// keyState is what a writer knows of one of its nodes: after an
// acknowledged write, exactly what the server must hold; after a write
// whose outcome is unknown (connection loss, expiry, deadline), nothing
// until it reads the node again.
type keyState struct {
	known  bool
	exists bool
	value  string
}

// writer owns its keys (no one else writes them), so it can tell what the
// server must hold after every acknowledged write.
type writer struct {
	c    *zk.Client
	tr   *tracker
	dir  string
	keys []keyState
	seq  int
	rng  *rand.Rand
}

func newWriter(c *zk.Client, tr *tracker, dir string, nkeys int, seed uint64) *writer {
	w := &writer{c: c, tr: tr, dir: dir, keys: make([]keyState, nkeys), rng: rand.New(rand.NewPCG(seed, 1))}
	for i := range w.keys {
		w.keys[i] = keyState{known: true} // the directory starts empty
	}
	return w
}

func (w *writer) path(i int) string { return fmt.Sprintf("%s/k%02d", w.dir, i) }

// run writes until stop is closed.
func (w *writer) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		w.step(w.rng.IntN(len(w.keys)))
	}
}

func (w *writer) step(i int) {
	k := &w.keys[i]
	p := w.path(i)
	if !k.known {
		w.resolve(i)
		return
	}
	w.seq++
	val := fmt.Sprintf("v%d", w.seq)
	var err error
	switch {
	case !k.exists:
		err = w.tr.call(opDeadline, "create "+p, func(ctx context.Context) error {
			_, err := w.c.Create(ctx, p, []byte(val), zk.Persistent, zk.WorldACL(zk.PermAll))
			return err
		})
		switch {
		case err == nil:
			*k = keyState{known: true, exists: true, value: val}
		case errors.Is(err, zk.ErrNodeExists):
			w.tr.violate("create %s: node exists, but the last acknowledged write deleted it", p)
			k.known = false
		}
	case w.rng.IntN(4) == 0:
		err = w.tr.call(opDeadline, "delete "+p, func(ctx context.Context) error { return w.c.Delete(ctx, p, -1) })
		switch {
		case err == nil:
			*k = keyState{known: true}
		case errors.Is(err, zk.ErrNoNode):
			w.tr.violate("delete %s: no node, but the last acknowledged write left %q", p, k.value)
			k.known = false
		}
	default:
		err = w.tr.call(opDeadline, "set "+p, func(ctx context.Context) error {
			_, err := w.c.Set(ctx, p, []byte(val), -1)
			return err
		})
		switch {
		case err == nil:
			k.value = val
		case errors.Is(err, zk.ErrNoNode):
			w.tr.violate("set %s: no node, but the last acknowledged write left %q", p, k.value)
			k.known = false
		}
	}
	if outcomeUnknown(err) {
		k.known = false
		if errors.Is(err, zk.ErrClosed) {
			return
		}
		time.Sleep(50 * time.Millisecond) // do not spin while the session is down
	}
}

// resolve reads a node whose last write had an unknown outcome.
func (w *writer) resolve(i int) {
	p := w.path(i)
	var data []byte
	err := w.tr.call(opDeadline, "get "+p, func(ctx context.Context) error {
		var err error
		data, _, err = w.c.Get(ctx, p)
		return err
	})
	switch {
	case err == nil:
		w.keys[i] = keyState{known: true, exists: true, value: string(data)}
	case errors.Is(err, zk.ErrNoNode):
		w.keys[i] = keyState{known: true}
	default:
		time.Sleep(50 * time.Millisecond)
	}
}

// verify compares every known key with a fresh read from checker.
func (w *writer) verify(ctx context.Context, checker *zk.Client) error {
	for i, k := range w.keys {
		if !k.known {
			continue
		}
		data, _, err := checker.Get(ctx, w.path(i))
		switch {
		case errors.Is(err, zk.ErrNoNode):
			if k.exists {
				return fmt.Errorf("%s: acknowledged value %q lost: node gone", w.path(i), k.value)
			}
		case err != nil:
			return fmt.Errorf("verify %s: %w", w.path(i), err)
		case !k.exists:
			return fmt.Errorf("%s: acknowledged delete lost: node holds %q", w.path(i), data)
		case string(data) != k.value:
			return fmt.Errorf("%s: holds %q, last acknowledged write was %q", w.path(i), data, k.value)
		}
	}
	return nil
}
