package proto

import "github.com/zkwire/zk/jute"

// WhoAmIResponse lists the session's identities (opcode 107, servers 3.7+),
// e.g. [("digest", "user"), ("ip", "127.0.0.1")]. The request has no body
// (Empty).
type WhoAmIResponse struct {
	ClientInfo []ClientInfo
}

func (x *WhoAmIResponse) AppendTo(dst []byte) []byte {
	if x.ClientInfo == nil {
		return jute.AppendVectorLen(dst, -1)
	}
	dst = jute.AppendVectorLen(dst, len(x.ClientInfo))
	for i := range x.ClientInfo {
		dst = x.ClientInfo[i].AppendTo(dst)
	}
	return dst
}

func (x *WhoAmIResponse) Decode(r *jute.Reader) {
	n := r.VectorLen(8) // two ustring lengths at least
	if n < 0 {
		x.ClientInfo = nil
		return
	}
	x.ClientInfo = make([]ClientInfo, n)
	for i := range x.ClientInfo {
		x.ClientInfo[i].Decode(r)
	}
}
