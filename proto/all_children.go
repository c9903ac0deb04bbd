package proto

import "github.com/zkwire/zk/jute"

// GetAllChildrenNumberRequest counts a node's descendants (opcode 104,
// servers 3.6+).
type GetAllChildrenNumberRequest struct {
	Path string
}

func (x *GetAllChildrenNumberRequest) AppendTo(dst []byte) []byte {
	return jute.AppendString(dst, x.Path)
}

func (x *GetAllChildrenNumberRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
}

// GetAllChildrenNumberResponse holds the number of descendants, not
// counting the node itself (for "/" it includes /zookeeper's subtree).
type GetAllChildrenNumberResponse struct {
	TotalNumber int32
}

func (x *GetAllChildrenNumberResponse) AppendTo(dst []byte) []byte {
	return jute.AppendInt32(dst, x.TotalNumber)
}

func (x *GetAllChildrenNumberResponse) Decode(r *jute.Reader) {
	x.TotalNumber = r.Int32()
}
