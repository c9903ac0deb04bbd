package proto

import "github.com/zkwire/zk/jute"

// CheckWatchesRequest asks whether the connection holds a watch of Type on
// Path (opcode 17). The server removes nothing; the reply has no body, or
// NoWatcher.
type CheckWatchesRequest struct {
	Path string
	Type WatcherType
}

func (x *CheckWatchesRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	return jute.AppendInt32(dst, int32(x.Type))
}

func (x *CheckWatchesRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Type = WatcherType(r.Int32())
}

// RemoveWatchesRequest removes the connection's watch of Type on Path
// (opcode 18). The reply has no body, or NoWatcher.
type RemoveWatchesRequest struct {
	Path string
	Type WatcherType
}

func (x *RemoveWatchesRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	return jute.AppendInt32(dst, int32(x.Type))
}

func (x *RemoveWatchesRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Type = WatcherType(r.Int32())
}

// AddWatchRequest registers a persistent or persistent-recursive watch
// (opcode 106, servers 3.6+). The path need not exist. The reply is an
// ErrorResponse, always 0 on success.
type AddWatchRequest struct {
	Path string
	Mode AddWatchMode
}

func (x *AddWatchRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	return jute.AppendInt32(dst, int32(x.Mode))
}

func (x *AddWatchRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Mode = AddWatchMode(r.Int32())
}

// ErrorResponse is a bare error code: the reply body of addWatch and the
// body of a failed result inside a multi reply.
type ErrorResponse struct {
	Err Code
}

func (x *ErrorResponse) AppendTo(dst []byte) []byte {
	return jute.AppendInt32(dst, int32(x.Err))
}

func (x *ErrorResponse) Decode(r *jute.Reader) {
	x.Err = Code(r.Int32())
}
