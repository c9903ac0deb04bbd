package proto

import "github.com/zkwire/zk/jute"

// GetEphemeralsRequest lists this session's ephemeral nodes whose path
// starts with PrefixPath, a plain string prefix (opcode 103, servers 3.6+).
// "/" or "" lists all.
type GetEphemeralsRequest struct {
	PrefixPath string
}

func (x *GetEphemeralsRequest) AppendTo(dst []byte) []byte {
	return jute.AppendString(dst, x.PrefixPath)
}

func (x *GetEphemeralsRequest) Decode(r *jute.Reader) {
	x.PrefixPath = r.String()
}

// GetEphemeralsResponse lists full paths.
type GetEphemeralsResponse struct {
	Ephemerals []string
}

func (x *GetEphemeralsResponse) AppendTo(dst []byte) []byte {
	return jute.AppendStrings(dst, x.Ephemerals)
}

func (x *GetEphemeralsResponse) Decode(r *jute.Reader) {
	x.Ephemerals = r.Strings()
}
