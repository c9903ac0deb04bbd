package discovery

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/cache"
)

// ErrNoInstances: the service has no (valid) instance registered.
var ErrNoInstances = errors.New("discovery: no instances")

// Discoverer keeps a live view of one service's instances in memory. See
// the package documentation for what it guarantees.
type Discoverer struct {
	name string
	svc  string // the service node's path
	bal  Balancer
	tc   *cache.TreeCache

	mu   sync.RWMutex
	byID map[string]Instance // guarded by mu
	// list is byID sorted by ID, rebuilt by the first reader after a
	// change (stale says so): a bootstrap of n instances applies n events,
	// and rebuilding at each would cost n sorts. Guarded by mu.
	list    []Instance
	stale   bool
	changed chan struct{} // guarded by mu: closed and replaced at every change
}

// NewDiscoverer returns a discoverer of the service name on client c. It
// checks its arguments and sends nothing; Start loads it.
func NewDiscoverer(c cache.Client, name string, opts ...Option) (*Discoverer, error) {
	if err := validName("service name", name); err != nil {
		return nil, err
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	d := &Discoverer{name: name, svc: join(cfg.base, name), bal: cfg.balancer,
		byID: make(map[string]Instance), changed: make(chan struct{})}
	tc, err := cache.NewTreeCache(c, d.svc, append(slices.Clone(cfg.cacheOpts), cache.WithListener(d.apply))...)
	if err != nil {
		return nil, err
	}
	d.tc = tc
	return d, nil
}

// Start loads the service's instances and returns once they are in
// memory, or with ctx's error (the discoverer is then closed). It follows
// the service until Close.
func (d *Discoverer) Start(ctx context.Context) error { return d.tc.Start(ctx) }

// Close stops following the service and waits for its goroutines; the
// last view stays readable.
func (d *Discoverer) Close() error { return d.tc.Close() }

// Done is closed when the discoverer stops (Close, or see Err).
func (d *Discoverer) Done() <-chan struct{} { return d.tc.Done() }

// Err returns why the discoverer stopped following the service on its own
// (zk.ErrSessionExpired on a client that does not renew sessions,
// zk.ErrClosed), or nil.
func (d *Discoverer) Err() error { return d.tc.Err() }

// Instances returns the service's instances, sorted by ID (copies).
func (d *Discoverer) Instances() []Instance {
	list := d.sorted()
	out := make([]Instance, len(list))
	for i, in := range list {
		out[i] = in.clone()
	}
	return out
}

// sorted returns the instances sorted by ID, rebuilding the list after a
// change. The list returned is never modified afterwards.
func (d *Discoverer) sorted() []Instance {
	d.mu.RLock()
	list, stale := d.list, d.stale
	d.mu.RUnlock()
	if !stale {
		return list
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stale {
		d.list = make([]Instance, 0, len(d.byID))
		for _, x := range d.byID {
			d.list = append(d.list, x)
		}
		slices.SortFunc(d.list, func(a, b Instance) int { return strings.Compare(a.ID, b.ID) })
		d.stale = false
	}
	return d.list
}

// Pick chooses an instance with the discoverer's balancer, from memory. It
// fails with ErrNoInstances when there is none.
func (d *Discoverer) Pick() (Instance, error) {
	list := d.sorted()
	if len(list) == 0 {
		return Instance{}, fmt.Errorf("%w: %s", ErrNoInstances, d.name)
	}
	return d.bal.Pick(list).clone(), nil
}

// Changed returns a channel closed at the next change of the instances
// (an instance added, removed or updated). Take it before reading
// Instances to wait without missing a change.
func (d *Discoverer) Changed() <-chan struct{} {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.changed
}

// WaitFor waits until ready(instances) holds, and returns those instances;
// it fails with ctx's error, or the discoverer's when it stops.
func (d *Discoverer) WaitFor(ctx context.Context, ready func([]Instance) bool) ([]Instance, error) {
	for {
		ch := d.Changed()
		if ins := d.Instances(); ready(ins) {
			return ins, nil
		}
		select {
		case <-ch:
		case <-d.tc.Done():
			if err := d.tc.Err(); err != nil {
				return nil, err
			}
			return nil, zk.ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// apply is the cache's listener: it turns node events of the service's
// children into instances. Data that does not parse hides the instance.
func (d *Discoverer) apply(ev cache.Event) {
	if path.Dir(ev.Path) != d.svc || !strings.HasPrefix(ev.Path, d.svc+"/") {
		return // the service node itself, or deeper nodes
	}
	id := path.Base(ev.Path)
	d.mu.Lock()
	defer d.mu.Unlock()
	_, had := d.byID[id]
	var in Instance
	var ok bool
	if ev.Type == cache.NodeAdded || ev.Type == cache.NodeUpdated {
		var err error
		in, err = parseInstance(d.name, id, ev.Data)
		ok = err == nil
	}
	switch {
	case ok:
		d.byID[id] = in
	case had:
		delete(d.byID, id)
	default:
		return
	}
	d.stale = true
	close(d.changed)
	d.changed = make(chan struct{})
}
