package proto

import "github.com/zkwire/zk/jute"

// ExistsRequest reads a node's Stat (opcode 3). Watch registers a data
// watch even when the node does not exist (the reply is then NoNode).
type ExistsRequest struct {
	Path  string
	Watch bool
}

func (x *ExistsRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	return jute.AppendBool(dst, x.Watch)
}

func (x *ExistsRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Watch = r.Bool()
}

// ExistsResponse carries the Stat of an existing node.
type ExistsResponse struct {
	Stat Stat
}

func (x *ExistsResponse) AppendTo(dst []byte) []byte {
	return x.Stat.AppendTo(dst)
}

func (x *ExistsResponse) Decode(r *jute.Reader) {
	x.Stat.Decode(r)
}
