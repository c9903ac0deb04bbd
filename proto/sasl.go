package proto

import "github.com/zkwire/zk/jute"

// GetSASLRequest carries a client SASL token (opcode 102, normal xid).
// The first token of a DIGEST-MD5 exchange is empty.
type GetSASLRequest struct {
	Token []byte
}

func (x *GetSASLRequest) AppendTo(dst []byte) []byte {
	return jute.AppendBuffer(dst, x.Token)
}

func (x *GetSASLRequest) Decode(r *jute.Reader) {
	x.Token = r.Buffer()
}

// SetSASLResponse carries the server's SASL token (challenge or rspauth).
type SetSASLResponse struct {
	Token []byte
}

func (x *SetSASLResponse) AppendTo(dst []byte) []byte {
	return jute.AppendBuffer(dst, x.Token)
}

func (x *SetSASLResponse) Decode(r *jute.Reader) {
	x.Token = r.Buffer()
}
