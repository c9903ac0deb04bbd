package proto

import "strconv"

// EventType is Watcher.Event.EventType. Only 1–4 travel on the wire; the
// others are produced by clients.
type EventType int32

const (
	EventNone                   EventType = -1
	EventNodeCreated            EventType = 1
	EventNodeDeleted            EventType = 2
	EventNodeDataChanged        EventType = 3
	EventNodeChildrenChanged    EventType = 4
	EventDataWatchRemoved       EventType = 5
	EventChildWatchRemoved      EventType = 6
	EventPersistentWatchRemoved EventType = 7
)

func (e EventType) String() string {
	switch e {
	case EventNone:
		return "None"
	case EventNodeCreated:
		return "NodeCreated"
	case EventNodeDeleted:
		return "NodeDeleted"
	case EventNodeDataChanged:
		return "NodeDataChanged"
	case EventNodeChildrenChanged:
		return "NodeChildrenChanged"
	case EventDataWatchRemoved:
		return "DataWatchRemoved"
	case EventChildWatchRemoved:
		return "ChildWatchRemoved"
	case EventPersistentWatchRemoved:
		return "PersistentWatchRemoved"
	}
	return "EventType(" + strconv.Itoa(int(e)) + ")"
}

// State is Watcher.Event.KeeperState, used both on the wire (always
// SyncConnected in notifications) and as the client's session state.
type State int32

const (
	StateUnknown           State = -1
	StateDisconnected      State = 0
	StateSyncConnected     State = 3
	StateAuthFailed        State = 4
	StateConnectedReadOnly State = 5
	StateSaslAuthenticated State = 6
	StateExpired           State = -112
	StateClosed            State = 7
	// StateConnecting is client-only (no KeeperState has it): no session yet.
	StateConnecting State = 100
	// StateLost is client-only: the client has heard nothing from any
	// server for the negotiated session timeout, so the server may have
	// expired the session (Curator's LOST). Distinct from StateExpired,
	// which a server confirmed. Reconnecting may still find the session
	// alive (then StateSyncConnected follows) or expired (StateExpired).
	StateLost State = 101
)

func (s State) String() string {
	switch s {
	case StateUnknown:
		return "Unknown"
	case StateDisconnected:
		return "Disconnected"
	case StateSyncConnected:
		return "Connected"
	case StateAuthFailed:
		return "AuthFailed"
	case StateConnectedReadOnly:
		return "ConnectedReadOnly"
	case StateSaslAuthenticated:
		return "SaslAuthenticated"
	case StateExpired:
		return "Expired"
	case StateClosed:
		return "Closed"
	case StateConnecting:
		return "Connecting"
	case StateLost:
		return "Lost"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// WatcherType selects watches in checkWatches/removeWatches (§6.4).
// Persistent and PersistentRecursive exist on servers 3.9+ only; a 3.8
// server answers them with MarshallingError.
type WatcherType int32

const (
	WatcherChildren            WatcherType = 1
	WatcherData                WatcherType = 2
	WatcherAny                 WatcherType = 3
	WatcherPersistent          WatcherType = 4
	WatcherPersistentRecursive WatcherType = 5
)

// AddWatchMode is the mode of an addWatch request.
type AddWatchMode int32

const (
	AddWatchPersistent          AddWatchMode = 0
	AddWatchPersistentRecursive AddWatchMode = 1
)
