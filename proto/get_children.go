package proto

import "github.com/zkwire/zk/jute"

// GetChildrenRequest lists a node's children (opcode 8); Watch registers a
// child watch.
type GetChildrenRequest struct {
	Path  string
	Watch bool
}

func (x *GetChildrenRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	return jute.AppendBool(dst, x.Watch)
}

func (x *GetChildrenRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Watch = r.Bool()
}

// GetChildrenResponse lists child names (not paths), in no particular order.
type GetChildrenResponse struct {
	Children []string
}

func (x *GetChildrenResponse) AppendTo(dst []byte) []byte {
	return jute.AppendStrings(dst, x.Children)
}

func (x *GetChildrenResponse) Decode(r *jute.Reader) {
	x.Children = r.Strings()
}

// GetChildren2Request is GetChildrenRequest for opcode 12, whose reply
// adds the parent's Stat.
type GetChildren2Request struct {
	Path  string
	Watch bool
}

func (x *GetChildren2Request) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	return jute.AppendBool(dst, x.Watch)
}

func (x *GetChildren2Request) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Watch = r.Bool()
}

// GetChildren2Response lists child names and the parent's Stat.
type GetChildren2Response struct {
	Children []string
	Stat     Stat
}

func (x *GetChildren2Response) AppendTo(dst []byte) []byte {
	dst = jute.AppendStrings(dst, x.Children)
	return x.Stat.AppendTo(dst)
}

func (x *GetChildren2Response) Decode(r *jute.Reader) {
	x.Children = r.Strings()
	x.Stat.Decode(r)
}
