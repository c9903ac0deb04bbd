package proto

import "github.com/zkwire/zk/jute"

// ConnectRequest is the first frame a client sends, with no header.
//
// ReadOnly is outside the IDL before 3.9 (ZOOKEEPER-4492): the Java client
// (ClientCnxnSocket / ConnectRequest serialization in ClientCnxn) appends it
// by hand. The bytes are the same either way. A decoder accepts a request
// without it (an old client) and leaves ReadOnly false.
type ConnectRequest struct {
	ProtocolVersion int32
	LastZxidSeen    int64
	TimeOut         int32 // requested session timeout, ms
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
}

func (x *ConnectRequest) AppendTo(dst []byte) []byte {
	dst = jute.AppendInt32(dst, x.ProtocolVersion)
	dst = jute.AppendInt64(dst, x.LastZxidSeen)
	dst = jute.AppendInt32(dst, x.TimeOut)
	dst = jute.AppendInt64(dst, x.SessionID)
	dst = jute.AppendBuffer(dst, x.Passwd)
	return jute.AppendBool(dst, x.ReadOnly)
}

func (x *ConnectRequest) Decode(r *jute.Reader) {
	x.ProtocolVersion = r.Int32()
	x.LastZxidSeen = r.Int64()
	x.TimeOut = r.Int32()
	x.SessionID = r.Int64()
	x.Passwd = r.Buffer()
	x.ReadOnly = false
	if r.Err() == nil && r.Len() > 0 {
		x.ReadOnly = r.Bool()
	}
}

// ConnectResponse is the server's first frame, with no header. TimeOut 0
// means the session is invalid (expired, closed, or a wrong password).
//
// Like ConnectRequest, the trailing ReadOnly byte is hand-written before
// 3.9 and absent when the server answers an old client (36-byte payload
// instead of 37); both lengths decode.
type ConnectResponse struct {
	ProtocolVersion int32
	TimeOut         int32 // negotiated session timeout, ms
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
}

func (x *ConnectResponse) AppendTo(dst []byte) []byte {
	dst = jute.AppendInt32(dst, x.ProtocolVersion)
	dst = jute.AppendInt32(dst, x.TimeOut)
	dst = jute.AppendInt64(dst, x.SessionID)
	dst = jute.AppendBuffer(dst, x.Passwd)
	return jute.AppendBool(dst, x.ReadOnly)
}

func (x *ConnectResponse) Decode(r *jute.Reader) {
	x.ProtocolVersion = r.Int32()
	x.TimeOut = r.Int32()
	x.SessionID = r.Int64()
	x.Passwd = r.Buffer()
	x.ReadOnly = false
	if r.Err() == nil && r.Len() > 0 {
		x.ReadOnly = r.Bool()
	}
}
