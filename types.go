package zk

import (
	"github.com/zkwire/zk/proto"
	"github.com/zkwire/zk/watchmgr"
)

// Wire types shared with the lower layers, under the client's names.
type (
	Stat       = proto.Stat
	ACL        = proto.ACL
	Id         = proto.Id
	ClientInfo = proto.ClientInfo
	CreateMode = proto.CreateMode
	EventType  = proto.EventType
	// State is the client's session state.
	State = proto.State
	// Event is what a watch delivers: see watchmgr.Event.
	Event = watchmgr.Event
	// WatchInfo is one row of Client.Watches.
	WatchInfo = watchmgr.Registration
)

// Create modes.
const (
	Persistent                  = proto.ModePersistent
	Ephemeral                   = proto.ModeEphemeral
	PersistentSequential        = proto.ModePersistentSequential
	EphemeralSequential         = proto.ModeEphemeralSequential
	Container                   = proto.ModeContainer
	PersistentWithTTL           = proto.ModePersistentWithTTL
	PersistentSequentialWithTTL = proto.ModePersistentSequentialWithTTL
)

// Session states.
const (
	StateConnecting        = proto.StateConnecting
	StateConnected         = proto.StateSyncConnected
	StateConnectedReadOnly = proto.StateConnectedReadOnly
	StateDisconnected      = proto.StateDisconnected
	StateExpired           = proto.StateExpired
	StateAuthFailed        = proto.StateAuthFailed
	StateClosed            = proto.StateClosed
	// StateLost: disconnected for the whole negotiated session timeout
	// since the client last heard from a server; the session may have
	// expired (the server has not said so). Calls still queued fail then.
	StateLost = proto.StateLost
)

// Event types.
const (
	EventNone                   = proto.EventNone
	EventNodeCreated            = proto.EventNodeCreated
	EventNodeDeleted            = proto.EventNodeDeleted
	EventNodeDataChanged        = proto.EventNodeDataChanged
	EventNodeChildrenChanged    = proto.EventNodeChildrenChanged
	EventDataWatchRemoved       = proto.EventDataWatchRemoved
	EventChildWatchRemoved      = proto.EventChildWatchRemoved
	EventPersistentWatchRemoved = proto.EventPersistentWatchRemoved
)
