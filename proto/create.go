package proto

import "github.com/zkwire/zk/jute"

// CreateRequest creates a node (opcodes create 1, create2 15 and
// createContainer 19; the opcode, not Flags, decides a container).
// A nil Data is sent as the null buffer and an empty one as empty; the
// server keeps the difference.
type CreateRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags CreateMode
}

func (x *CreateRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	dst = jute.AppendBuffer(dst, x.Data)
	dst = appendACLs(dst, x.ACL)
	return jute.AppendInt32(dst, int32(x.Flags))
}

func (x *CreateRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Data = r.Buffer()
	x.ACL = readACLs(r)
	x.Flags = CreateMode(r.Int32())
}

// CreateTTLRequest creates a TTL node (opcode 21, servers with
// extendedTypesEnabled). TTL is in ms, 0 < TTL ≤ 2⁴⁰−1, and Flags must be
// one of the TTL modes.
type CreateTTLRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags CreateMode
	TTL   int64
}

func (x *CreateTTLRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	dst = jute.AppendBuffer(dst, x.Data)
	dst = appendACLs(dst, x.ACL)
	dst = jute.AppendInt32(dst, int32(x.Flags))
	return jute.AppendInt64(dst, x.TTL)
}

func (x *CreateTTLRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Data = r.Buffer()
	x.ACL = readACLs(r)
	x.Flags = CreateMode(r.Int32())
	x.TTL = r.Int64()
}

// CreateResponse answers create (1) with the actual path, including any
// sequence suffix. Inside a multi it is also the result of create2.
type CreateResponse struct {
	Path string
}

func (x *CreateResponse) AppendTo(dst []byte) []byte {
	return jute.AppendString(dst, x.Path)
}

// Decode keeps Path's current value, without allocating, when the reply
// names the same path: set it to the requested path before decoding and
// a create that is not sequential costs no string.
func (x *CreateResponse) Decode(r *jute.Reader) {
	x.Path = r.StringReuse(x.Path)
}

// Create2Response answers create2 (15), createContainer (19) and
// createTTL (21) with the actual path and the new node's Stat.
type Create2Response struct {
	Path string
	Stat Stat
}

func (x *Create2Response) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	return x.Stat.AppendTo(dst)
}

// Decode keeps Path's current value when the reply names the same path,
// as CreateResponse's does.
func (x *Create2Response) Decode(r *jute.Reader) {
	x.Path = r.StringReuse(x.Path)
	x.Stat.Decode(r)
}
