//go:build !zkonevent

package bench

// ZKCallbacks says whether this build has zk's callback form of watches
// (zk.OnEvent): built with -tags zkonevent until that API is on main.
const ZKCallbacks = false
