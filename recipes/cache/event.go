package cache

import (
	"fmt"

	"github.com/zkwire/zk"
)

// EventType says what happened to a cache.
type EventType int

// Event types. Node events carry the node's path, and for NodeAdded and
// NodeUpdated its new data and Stat; NodeRemoved carries the last data and
// Stat the cache held.
const (
	// NodeAdded: a node entered the cache (including every node of the
	// first read, before Initialized).
	NodeAdded EventType = iota + 1
	// NodeUpdated: a cached node's data changed, or the node was deleted
	// and created again in between two reads (its Czxid changed).
	NodeUpdated
	// NodeRemoved: a node left the cache. Within a subtree, children are
	// removed before their parent.
	NodeRemoved
	// Initialized: the first full read is in memory. Sent once.
	Initialized
	// Resynced: a full re-read after a reconnect, a session expiry or a
	// watch overflow is in memory; the node events it implied came before.
	Resynced
)

func (t EventType) String() string {
	switch t {
	case NodeAdded:
		return "NodeAdded"
	case NodeUpdated:
		return "NodeUpdated"
	case NodeRemoved:
		return "NodeRemoved"
	case Initialized:
		return "Initialized"
	case Resynced:
		return "Resynced"
	}
	return fmt.Sprintf("EventType(%d)", int(t))
}

// Event is one change of a cache, as listeners see it. Data must not be
// modified.
type Event struct {
	Type EventType
	Path string
	Data []byte
	Stat *zk.Stat
}

func (e Event) String() string {
	if e.Path == "" {
		return e.Type.String()
	}
	return fmt.Sprintf("%v %s", e.Type, e.Path)
}

// Node is a cached node: its data and Stat as last read. The Stat fields
// about children (Cversion, NumChildren, Pzxid) are those of the last read
// of the node itself and may lag; use Children for the child set.
type Node struct {
	Data []byte
	Stat zk.Stat
}

// Option configures a TreeCache or a NodeCache.
type Option func(*options)

type options struct {
	listener func(Event)
	oneShot  bool
}

// WithListener calls f for every change of the cache, in order, on the
// cache's goroutine: f must return promptly (the cache does not advance
// while it runs) and must not call Close.
func WithListener(f func(Event)) Option { return func(o *options) { o.listener = f } }

// WithOneShotWatches makes a TreeCache use one-shot watches (GetW and
// ChildrenW on every node) instead of one persistent recursive watch, as it
// does by itself when the server answers AddWatch with zk.ErrUnimplemented
// (servers before 3.6). It costs two server watches and one goroutine per
// cached node. NodeCache always uses one-shot watches.
func WithOneShotWatches() Option { return func(o *options) { o.oneShot = true } }

func applyOptions(opts []Option) options {
	var o options
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}
