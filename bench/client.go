// Package bench measures ZooKeeper clients on named workloads (get-seq,
// get-par, set-par, create-del, multi, watch-fire, watch-reconnect) and
// holds the codec and hot-path micro-benchmarks (go test -bench).
//
// The workloads are written once against Client, a small adapter that any
// client can implement: ZK adapts this module's client, and the separate
// module bench/compare adapts go-zookeeper/zk, so both run exactly the same
// code on the same server. Command bench/cmd/zkbench runs them against any
// ensemble.
package bench

import (
	"context"
	"time"
)

// Client is the adapter a workload drives: the operations the workloads
// need, each on one session, safe for concurrent use.
type Client interface {
	// Get reads a node's data.
	Get(ctx context.Context, path string) ([]byte, error)
	// Set writes a node's data, any version.
	Set(ctx context.Context, path string, data []byte) error
	// Create creates a persistent node with an open ACL.
	Create(ctx context.Context, path string, data []byte) error
	// Delete deletes a node, any version.
	Delete(ctx context.Context, path string) error
	// MultiSet sets every path to data, any version, in one multi.
	MultiSet(ctx context.Context, paths []string, data []byte) error
	// GetW reads a node and sets a one-shot data watch on it.
	GetW(ctx context.Context, path string) (Watch, error)
	// Close ends the session.
	Close() error
}

// Watch is a one-shot data watch a Client set.
type Watch interface {
	// Wait returns when the watch fired (true) or ended without firing or
	// ctx ended (false).
	Wait(ctx context.Context) bool
}

// Dialer opens a session with the servers, returning once it is
// established. Session timeout: 15 s, or less if the server caps it.
type Dialer func(ctx context.Context, servers []string) (Client, error)

// sessionTimeout is what both adapters ask for: long enough that a busy
// 2-core machine never expires a benchmark session.
const sessionTimeout = 15 * time.Second

// CallbackClient is implemented by an adapter whose client can deliver a
// watch's event to a function instead of a channel, with no goroutine per
// watch (zk's callback form, zk.OnEvent). watch-fire uses it with
// Config.Callback.
type CallbackClient interface {
	// GetWFunc reads a node and sets a one-shot data watch that calls
	// fired once: true when the watch fired, false when it ended without.
	GetWFunc(ctx context.Context, path string, fired func(ok bool)) error
}

// StateReporter is implemented by an adapter whose client reports its
// connection's state changes. watch-reconnect uses it for the time to
// detect the cut and for the re-registration time.
type StateReporter interface {
	// States delivers each change of the connection from the call on,
	// stamped when the adapter received it, until ctx ends.
	States(ctx context.Context) <-chan StateChange
}

// StateChange is a change of a client's connection: lost or (re)gained.
type StateChange struct {
	Connected bool // the session is usable again; false: disconnected
	At        time.Time
}
