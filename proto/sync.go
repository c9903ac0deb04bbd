package proto

import "github.com/zkwire/zk/jute"

// SyncRequest makes the connected server catch up with the leader
// (opcode 9). The path is only echoed back.
type SyncRequest struct {
	Path string
}

func (x *SyncRequest) AppendTo(dst []byte) []byte {
	return jute.AppendString(dst, x.Path)
}

func (x *SyncRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
}

// SyncResponse echoes the request's path.
type SyncResponse struct {
	Path string
}

func (x *SyncResponse) AppendTo(dst []byte) []byte {
	return jute.AppendString(dst, x.Path)
}

func (x *SyncResponse) Decode(r *jute.Reader) {
	x.Path = r.String()
}
