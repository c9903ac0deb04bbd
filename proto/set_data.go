package proto

import "github.com/zkwire/zk/jute"

// SetDataRequest replaces a node's data (opcode 5). Version -1 matches any
// version. A nil Data is stored as null, an empty one as empty.
type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32
}

func (x *SetDataRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	dst = jute.AppendBuffer(dst, x.Data)
	return jute.AppendInt32(dst, x.Version)
}

func (x *SetDataRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Data = r.Buffer()
	x.Version = r.Int32()
}

// SetDataResponse carries the node's Stat after the write.
type SetDataResponse struct {
	Stat Stat
}

func (x *SetDataResponse) AppendTo(dst []byte) []byte {
	return x.Stat.AppendTo(dst)
}

func (x *SetDataResponse) Decode(r *jute.Reader) {
	x.Stat.Decode(r)
}
