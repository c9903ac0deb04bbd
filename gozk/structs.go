package zk

import (
	"time"

	root "github.com/zkwire/zk"
)

// ACL is one entry of a node's access list, flat as in go-zookeeper (the
// zkwire client nests the identity).
type ACL struct {
	Perms  int32
	Scheme string
	ID     string
}

// Stat is a node's metadata.
type Stat struct {
	Czxid          int64 // The zxid of the change that caused this znode to be created.
	Mzxid          int64 // The zxid of the change that last modified this znode.
	Ctime          int64 // The time in milliseconds from epoch when this znode was created.
	Mtime          int64 // The time in milliseconds from epoch when this znode was last modified.
	Version        int32 // The number of changes to the data of this znode.
	Cversion       int32 // The number of changes to the children of this znode.
	Aversion       int32 // The number of changes to the ACL of this znode.
	EphemeralOwner int64 // The session id of the owner of this znode if the znode is an ephemeral node. If it is not an ephemeral node, it will be zero.
	DataLength     int32 // The length of the data field of this znode.
	NumChildren    int32 // The number of children of this znode.
	Pzxid          int64 // last modified children
}

// ServerClient is the information for a single Zookeeper client and its session.
// This is used to parse/extract the output fo the `cons` command.
type ServerClient struct {
	Queued        int64
	Received      int64
	Sent          int64
	SessionID     int64
	Lcxid         int64
	Lzxid         int64
	Timeout       int32
	LastLatency   int32
	MinLatency    int32
	AvgLatency    int32
	MaxLatency    int32
	Established   time.Time
	LastResponse  time.Time
	Addr          string
	LastOperation string // maybe?
	Error         error
}

// ServerClients is a struct for the FLWCons() function. It's used to provide
// the list of Clients.
type ServerClients struct {
	Clients []*ServerClient
	Error   error
}

// ServerStats is the information pulled from the Zookeeper `stat` command.
type ServerStats struct {
	Server      string
	Sent        int64
	Received    int64
	NodeCount   int64
	MinLatency  int64
	AvgLatency  float64
	MaxLatency  int64
	Connections int64
	Outstanding int64
	Epoch       int32
	Counter     int32
	BuildTime   time.Time
	Mode        Mode
	Version     string
	Error       error
}

// PathVersionRequest names a node and the version an operation expects.
type PathVersionRequest struct {
	Path    string
	Version int32
}

// CheckVersionRequest is a Multi operation that fails unless the node's
// version matches.
type CheckVersionRequest PathVersionRequest

// DeleteRequest is a Multi operation that deletes a node.
type DeleteRequest PathVersionRequest

// CreateRequest is a Multi operation that creates a node.
type CreateRequest struct {
	Path  string
	Data  []byte
	Acl   []ACL
	Flags int32
}

// CreateTTLRequest describes a TTL node's creation (go-zookeeper's Multi
// does not accept it either).
type CreateTTLRequest struct {
	Path  string
	Data  []byte
	Acl   []ACL
	Flags int32
	Ttl   int64 // ms
}

// SetDataRequest is a Multi operation that sets a node's data.
type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32
}

// MultiResponse is the result of a Multi call.
type MultiResponse struct {
	Stat   *Stat
	String string
	Error  error
}

// Event is an Znode event sent by the server.
// Refer to EventType for more details.
type Event struct {
	Type   EventType
	State  State
	Path   string // For non-session events, the path of the watched node.
	Err    error
	Server string // For connection events
}

// EventCallback is a function that is called when an Event occurs.
type EventCallback func(Event)

// toRootACL and fromRootACL convert between the flat and nested forms.
func toRootACL(acl []ACL) []root.ACL {
	if acl == nil {
		return nil
	}
	out := make([]root.ACL, len(acl))
	for i, a := range acl {
		out[i] = root.ACL{Perms: a.Perms, ID: root.Id{Scheme: a.Scheme, ID: a.ID}}
	}
	return out
}

func fromRootACL(acl []root.ACL) []ACL {
	if acl == nil {
		return nil
	}
	out := make([]ACL, len(acl))
	for i, a := range acl {
		out[i] = ACL{Perms: a.Perms, Scheme: a.ID.Scheme, ID: a.ID.ID}
	}
	return out
}

// statOf copies a Stat; a missing one is the zero Stat, never nil, since
// go-zookeeper always returns one (callers pass stat.Version on).
func statOf(s *root.Stat) *Stat {
	if s == nil {
		return &Stat{}
	}
	st := Stat(*s)
	return &st
}
