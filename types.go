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
	// Event is what a watch delivers, on Watch.Events or to an OnEvent
	// callback. Its fields:
	//   - Type: what happened (EventNodeDataChanged, ...); EventNone for
	//     a state-only event.
	//   - State: the session state when the event was delivered.
	//   - Path: the node the event is about, relative to the chroot.
	//   - Err: set only on a watch's final event when the watch ends for
	//     a reason other than firing or Stop: ErrSessionExpired,
	//     ErrAuthFailed, ErrClosed, ErrWatchOverflow, ErrWatchNotKept,
	//     ErrWatchNotRestored, ErrWatchRemoved.
	//   - Resync: set on the state event persistent and recursive watches
	//     get after every reconnect. The server replays nothing for them,
	//     so changes made while disconnected may have been missed: re-read
	//     what you depend on.
	//
	// It is defined in watchmgr, which builds it; String formats it.
	Event = watchmgr.Event
	// WatchInfo is one row of Client.Watches: Path and Kind; Watchers,
	// the local watches sharing the registration; Pending, registrations
	// awaiting the server's reply; Server, whether the server holds the
	// watch; Local, whether the watches are served by a persistent or
	// recursive watch on the path rather than a server watch of their
	// own.
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
