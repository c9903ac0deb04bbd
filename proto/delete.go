package proto

import "github.com/zkwire/zk/jute"

// DeleteRequest deletes a node (opcode 2; the reply has no body).
// Version -1 matches any version.
type DeleteRequest struct {
	Path    string
	Version int32
}

func (x *DeleteRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	return jute.AppendInt32(dst, x.Version)
}

func (x *DeleteRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Version = r.Int32()
}
