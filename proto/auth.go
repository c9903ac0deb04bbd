package proto

import "github.com/zkwire/zk/jute"

// AuthPacket adds an identity to the connection (opcode 100, xid -4).
type AuthPacket struct {
	Type   int32 // always 0; the server ignores it
	Scheme string
	Auth   []byte
}

func (x *AuthPacket) AppendTo(dst []byte) []byte {
	dst = jute.AppendInt32(dst, x.Type)
	dst = jute.AppendString(dst, x.Scheme)
	return jute.AppendBuffer(dst, x.Auth)
}

func (x *AuthPacket) Decode(r *jute.Reader) {
	x.Type = r.Int32()
	x.Scheme = r.String()
	x.Auth = r.Buffer()
}
