package zk

// DefaultPort is the default port listened by server.
const DefaultPort = 2181

// EventType represents the event type sent by server.
type EventType int32

// Event types: the server's, plus EventSession and EventNotWatching.
const (
	EventNodeCreated         EventType = 1
	EventNodeDeleted         EventType = 2
	EventNodeDataChanged     EventType = 3
	EventNodeChildrenChanged EventType = 4

	// EventSession represents a session event.
	EventSession EventType = -1
	// EventNotWatching ends a watch that will not fire: the session
	// expired, the connection was closed, or the watch could not be
	// restored after a reconnect (Event.Err says which: for the last, the
	// server's error, or ErrShortBuffer for a path over the packet limit).
	EventNotWatching EventType = -2
)

var eventNames = map[EventType]string{
	EventNodeCreated:         "EventNodeCreated",
	EventNodeDeleted:         "EventNodeDeleted",
	EventNodeDataChanged:     "EventNodeDataChanged",
	EventNodeChildrenChanged: "EventNodeChildrenChanged",
	EventSession:             "EventSession",
	EventNotWatching:         "EventNotWatching",
}

func (t EventType) String() string {
	if name := eventNames[t]; name != "" {
		return name
	}
	return "Unknown"
}

// State is the session state. The numbers are go-zookeeper's: note that
// StateConnected (100) means "TCP connected, no session yet" and
// StateHasSession (101) means the session is up.
type State int32

// Session states.
const (
	StateUnknown           State = -1
	StateDisconnected      State = 0
	StateConnecting        State = 1
	StateSyncConnected     State = 3
	StateAuthFailed        State = 4
	StateConnectedReadOnly State = 5
	StateSaslAuthenticated State = 6
	StateExpired           State = -112

	StateConnected  = State(100)
	StateHasSession = State(101)
)

var stateNames = map[State]string{
	StateUnknown:           "StateUnknown",
	StateDisconnected:      "StateDisconnected",
	StateConnectedReadOnly: "StateConnectedReadOnly",
	StateSaslAuthenticated: "StateSaslAuthenticated",
	StateExpired:           "StateExpired",
	StateAuthFailed:        "StateAuthFailed",
	StateConnecting:        "StateConnecting",
	StateConnected:         "StateConnected",
	StateHasSession:        "StateHasSession",
	StateSyncConnected:     "StateSyncConnected",
}

// String converts State to a readable string.
func (s State) String() string {
	if name := stateNames[s]; name != "" {
		return name
	}
	return "Unknown"
}

// Constants for ACL permissions.
const (
	// PermRead represents the permission needed to read a znode.
	PermRead = 1 << iota
	PermWrite
	PermCreate
	PermDelete
	PermAdmin
	PermAll = 0x1f
)

// Create flags, as go-zookeeper takes them (ZooKeeper's CreateMode
// numbers).
const (
	FlagPersistent                  = 0
	FlagEphemeral                   = 1
	FlagSequence                    = 2
	FlagEphemeralSequential         = 3
	FlagContainer                   = 4
	FlagTTL                         = 5
	FlagPersistentSequentialWithTTL = 6
)

// Mode is used to build custom server modes (leader|follower|standalone).
type Mode uint8

// Server modes reported by FLWSrvr.
const (
	ModeUnknown    Mode = iota
	ModeLeader     Mode = iota
	ModeFollower   Mode = iota
	ModeStandalone Mode = iota
)

var modeNames = map[Mode]string{
	ModeLeader:     "leader",
	ModeFollower:   "follower",
	ModeStandalone: "standalone",
}

func (m Mode) String() string {
	if name := modeNames[m]; name != "" {
		return name
	}
	return "unknown"
}
