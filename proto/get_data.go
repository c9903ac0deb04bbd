package proto

import "github.com/zkwire/zk/jute"

// GetDataRequest reads a node's data (opcode 4); Watch registers a data watch.
type GetDataRequest struct {
	Path  string
	Watch bool
}

func (x *GetDataRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	return jute.AppendBool(dst, x.Watch)
}

func (x *GetDataRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Watch = r.Bool()
}

// GetDataResponse carries the data (aliasing the frame) and the Stat.
type GetDataResponse struct {
	Data []byte
	Stat Stat
}

func (x *GetDataResponse) AppendTo(dst []byte) []byte {
	dst = jute.AppendBuffer(dst, x.Data)
	return x.Stat.AppendTo(dst)
}

func (x *GetDataResponse) Decode(r *jute.Reader) {
	x.Data = r.Buffer()
	x.Stat.Decode(r)
}
