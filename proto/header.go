package proto

import "github.com/zkwire/zk/jute"

// RequestHeader starts every client frame after the handshake.
type RequestHeader struct {
	Xid  int32
	Type Op
}

func (x *RequestHeader) AppendTo(dst []byte) []byte {
	dst = jute.AppendInt32(dst, x.Xid)
	return jute.AppendInt32(dst, int32(x.Type))
}

func (x *RequestHeader) Decode(r *jute.Reader) {
	x.Xid = r.Int32()
	x.Type = Op(r.Int32())
}

// ReplyHeaderSize is the encoded size of a ReplyHeader.
const ReplyHeaderSize = 16

// ReplyHeader starts every server frame after the handshake. When Err is
// not zero the server sends no body.
type ReplyHeader struct {
	Xid  int32
	Zxid int64
	Err  Code
}

func (x *ReplyHeader) AppendTo(dst []byte) []byte {
	dst = jute.AppendInt32(dst, x.Xid)
	dst = jute.AppendInt64(dst, x.Zxid)
	return jute.AppendInt32(dst, int32(x.Err))
}

func (x *ReplyHeader) Decode(r *jute.Reader) {
	x.Xid = r.Int32()
	x.Zxid = r.Int64()
	x.Err = Code(r.Int32())
}
