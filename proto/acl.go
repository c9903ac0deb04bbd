package proto

import "github.com/zkwire/zk/jute"

// GetACLRequest reads a node's ACL (opcode 6).
type GetACLRequest struct {
	Path string
}

func (x *GetACLRequest) AppendTo(dst []byte) []byte {
	return jute.AppendString(dst, x.Path)
}

func (x *GetACLRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
}

// GetACLResponse carries the ACL and the node's Stat. Without ADMIN on the
// node the server masks digest ids as "user:x".
type GetACLResponse struct {
	ACL  []ACL
	Stat Stat
}

func (x *GetACLResponse) AppendTo(dst []byte) []byte {
	dst = appendACLs(dst, x.ACL)
	return x.Stat.AppendTo(dst)
}

func (x *GetACLResponse) Decode(r *jute.Reader) {
	x.ACL = readACLs(r)
	x.Stat.Decode(r)
}

// SetACLRequest replaces a node's ACL (opcode 7). Version is matched
// against the node's Aversion; -1 matches any.
type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

func (x *SetACLRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Path)
	dst = appendACLs(dst, x.ACL)
	return jute.AppendInt32(dst, x.Version)
}

func (x *SetACLRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.ACL = readACLs(r)
	x.Version = r.Int32()
}

// SetACLResponse carries the node's Stat after the change.
type SetACLResponse struct {
	Stat Stat
}

func (x *SetACLResponse) AppendTo(dst []byte) []byte {
	return x.Stat.AppendTo(dst)
}

func (x *SetACLResponse) Decode(r *jute.Reader) {
	x.Stat.Decode(r)
}
