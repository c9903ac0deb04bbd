package proto

import "github.com/zkwire/zk/jute"

// CheckVersionRequest asserts a node's version (opcode 13). Use it only
// inside a multi: a standalone successful check makes a 3.8 server fail
// while writing the reply and drop the connection.
type CheckVersionRequest struct {
	Path    string
	Version int32
}

func (x *CheckVersionRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	return jute.AppendInt32(dst, x.Version)
}

func (x *CheckVersionRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Version = r.Int32()
}
