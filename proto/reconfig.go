package proto

import "github.com/zkwire/zk/jute"

// ReconfigRequest changes the ensemble membership (opcode 16). Use either
// JoiningServers/LeavingServers (incremental: "server.4=host:p1:p2;cp"
// specs and server ids, comma-separated) or NewMembers (bulk).
// CurConfigID -1 skips the version check. The reply is a GetDataResponse:
// the new config and the Stat of /zookeeper/config.
//
// An empty field is sent as the null string. The server tests the fields
// for null, not for emptiness (PrepRequestProcessor: "newMembers != null"
// selects a bulk reconfig), so an empty NewMembers sent as "" would turn an
// incremental request into a bulk one with no members. The Java client
// sends null for unused fields too.
type ReconfigRequest struct {
	JoiningServers string
	LeavingServers string
	NewMembers     string
	CurConfigID    int64
}

func (x *ReconfigRequest) AppendTo(dst []byte) []byte {
	dst = appendNullableString(dst, x.JoiningServers)
	dst = appendNullableString(dst, x.LeavingServers)
	dst = appendNullableString(dst, x.NewMembers)
	return jute.AppendInt64(dst, x.CurConfigID)
}

func (x *ReconfigRequest) Decode(r *jute.Reader) {
	x.JoiningServers = r.String()
	x.LeavingServers = r.String()
	x.NewMembers = r.String()
	x.CurConfigID = r.Int64()
}

// appendNullableString writes "" as the null string (-1), anything else
// as a ustring.
func appendNullableString(dst []byte, s string) []byte {
	if s == "" {
		return jute.AppendInt32(dst, -1)
	}
	return jute.AppendString(dst, s)
}
