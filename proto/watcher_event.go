package proto

import "github.com/zkwire/zk/jute"

// WatcherEvent is the body of a notification (xid -1). State is always
// SyncConnected from the server.
type WatcherEvent struct {
	Type  EventType
	State State
	Path  string
}

func (x *WatcherEvent) AppendTo(dst []byte) []byte {
	dst = jute.AppendInt32(dst, int32(x.Type))
	dst = jute.AppendInt32(dst, int32(x.State))
	return jute.AppendString(dst, x.Path)
}

func (x *WatcherEvent) Decode(r *jute.Reader) {
	x.Type = EventType(r.Int32())
	x.State = State(r.Int32())
	x.Path = r.String()
}
