package proto

import "github.com/zkwire/zk/jute"

// SetWatches re-arms standard watches on a new connection (opcode 101).
type SetWatches struct {
	RelativeZxid int64
	DataWatches  []string
	ExistWatches []string
	ChildWatches []string
}

func (x *SetWatches) AppendTo(dst []byte) []byte {
	dst = jute.AppendInt64(dst, x.RelativeZxid)
	dst = jute.AppendStrings(dst, x.DataWatches)
	dst = jute.AppendStrings(dst, x.ExistWatches)
	return jute.AppendStrings(dst, x.ChildWatches)
}

func (x *SetWatches) Decode(r *jute.Reader) {
	x.RelativeZxid = r.Int64()
	x.DataWatches = r.Strings()
	x.ExistWatches = r.Strings()
	x.ChildWatches = r.Strings()
}

// SetWatches2 adds persistent and persistent-recursive lists (opcode 105,
// servers 3.6+).
type SetWatches2 struct {
	RelativeZxid               int64
	DataWatches                []string
	ExistWatches               []string
	ChildWatches               []string
	PersistentWatches          []string
	PersistentRecursiveWatches []string
}

func (x *SetWatches2) AppendTo(dst []byte) []byte {
	dst = jute.AppendInt64(dst, x.RelativeZxid)
	dst = jute.AppendStrings(dst, x.DataWatches)
	dst = jute.AppendStrings(dst, x.ExistWatches)
	dst = jute.AppendStrings(dst, x.ChildWatches)
	dst = jute.AppendStrings(dst, x.PersistentWatches)
	return jute.AppendStrings(dst, x.PersistentRecursiveWatches)
}

func (x *SetWatches2) Decode(r *jute.Reader) {
	x.RelativeZxid = r.Int64()
	x.DataWatches = r.Strings()
	x.ExistWatches = r.Strings()
	x.ChildWatches = r.Strings()
	x.PersistentWatches = r.Strings()
	x.PersistentRecursiveWatches = r.Strings()
}
