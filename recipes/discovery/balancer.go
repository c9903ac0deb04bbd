package discovery

import (
	"math/rand/v2"
	"sync/atomic"
)

// Balancer chooses one instance among those of a service. Discoverer
// passes the instances sorted by ID, never empty. Implementations must be
// safe for concurrent use.
type Balancer interface {
	Pick(instances []Instance) Instance
}

// RoundRobin returns a balancer that cycles through the instances in ID
// order: with n instances, any n consecutive picks (while the set does not
// change) return each instance once.
func RoundRobin() Balancer { return &roundRobin{} }

type roundRobin struct{ next atomic.Uint64 }

func (b *roundRobin) Pick(instances []Instance) Instance {
	i := b.next.Add(1) - 1
	return instances[i%uint64(len(instances))]
}

// Random returns a balancer that picks uniformly at random.
func Random() Balancer { return random{} }

type random struct{}

func (random) Pick(instances []Instance) Instance { return instances[rand.IntN(len(instances))] }

// PrimaryPreferred returns a balancer that picks among the instances
// marked Primary while at least one is registered, and among all the
// others when none is; then (nil: RoundRobin) chooses within that set.
func PrimaryPreferred(then Balancer) Balancer {
	if then == nil {
		then = RoundRobin()
	}
	return primaryPreferred{then: then}
}

type primaryPreferred struct{ then Balancer }

func (b primaryPreferred) Pick(instances []Instance) Instance {
	var primaries []Instance
	for _, in := range instances {
		if in.Primary {
			primaries = append(primaries, in)
		}
	}
	if len(primaries) > 0 {
		return b.then.Pick(primaries)
	}
	return b.then.Pick(instances)
}

// LeastLoaded returns a balancer that picks the instance publishing the
// lowest Load (the first in ID order among equals). It follows the loads
// as instances publish them with Registry.Update.
func LeastLoaded() Balancer { return leastLoaded{} }

type leastLoaded struct{}

func (leastLoaded) Pick(instances []Instance) Instance {
	best := instances[0]
	for _, in := range instances[1:] {
		if in.Load < best.Load {
			best = in
		}
	}
	return best
}
