package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// watchedKey is the writer key the continuous watch follows.
var watchedKey = keyPath(0, 0)

// extras are the parts of the workload beside the writers, the lock and
// the watch oracle: a continuous watch and a tree cache, each on a client
// of its own.
type extras struct {
	watcher *proxied
	cancel  context.CancelFunc
	done    chan struct{} // closed when the watch's channel is drained
	tr      *tracker

	mu   sync.Mutex
	last *zk.DataUpdate // guarded by mu

	cache *cacher
}

func startExtras(t *testing.T, ens *zktest.Ensemble, tr *tracker) *extras {
	t.Helper()
	x := &extras{watcher: dialProxied(t, ens), tr: tr}
	ctx, cancel := context.WithCancel(context.Background())
	x.cancel = cancel
	updates, err := zk.WatchData(ctx, x.watcher.c, watchedKey, zk.ResumeAfterExpiry())
	if err != nil {
		t.Fatal(err)
	}
	// The watch runs on past stop until close: writes in flight when the
	// writers stop (and a flaky client's late ones) land after stop, and
	// verify needs the updates they cause. Cancelling it at stop froze
	// its latest state before the server's final one.
	x.done = make(chan struct{})
	go func() {
		defer close(x.done)
		for u := range updates {
			if u.Err != nil && ctx.Err() == nil {
				tr.violate("continuous watch ended: %v", u.Err)
			}
			x.mu.Lock()
			x.last = &u
			x.mu.Unlock()
		}
	}()
	x.cache = startCacher(t, ens, tr)
	return x
}

func (x *extras) cut() {
	x.watcher.cut()
	x.cache.cut()
}

// expire expires the cache's session from outside.
func (x *extras) expire(ctx context.Context, t *testing.T, ens *zktest.Ensemble) {
	t.Helper()
	x.cache.expire(ctx, t, ens)
}

// verify checks that the continuous watch and the cache ended
// consistent with the server.
func (x *extras) verify(ctx context.Context, t *testing.T, checker *zk.Client, tr *tracker) {
	t.Helper()
	if err := waitFor(ctx, func() error {
		data, _, err := checker.Get(ctx, watchedKey)
		if err != nil && !errors.Is(err, zk.ErrNoNode) {
			return err
		}
		x.mu.Lock()
		last := x.last
		x.mu.Unlock()
		switch {
		case last == nil:
			return errors.New("no update at all")
		case err != nil && last.Stat != nil:
			return errors.New("watch says the node exists; it does not")
		case err == nil && (last.Stat == nil || !bytes.Equal(last.Data, data)):
			var seen string
			if last.Stat != nil {
				seen = fmt.Sprintf("%q version %d mzxid %#x", last.Data, last.Stat.Version, last.Stat.Mzxid)
			} else {
				seen = "no node"
			}
			return fmt.Errorf("watch's latest state (%s) differs from the server's (%q)", seen, data)
		}
		return nil
	}); err != nil {
		tr.violate("continuous watch of %s: %v", watchedKey, err)
	}
	ctx2, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	x.cache.verify(ctx2, checker, tr)
}

func (x *extras) close() {
	x.cancel()
	select {
	case <-x.done:
	case <-time.After(10 * time.Second):
		x.tr.violate("continuous watch: its channel did not close 10 s after its context ended")
	}
	x.watcher.c.Close()
	x.cache.close()
}

// waitFor retries check until it returns nil or ctx ends.
func waitFor(ctx context.Context, check func() error) error {
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}
