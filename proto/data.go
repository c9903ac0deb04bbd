package proto

import (
	"encoding/binary"

	"github.com/zkwire/zk/jute"
)

// Id is an ACL identity: a scheme and an id within it (org.apache.zookeeper.data.Id).
type Id struct {
	Scheme string
	ID     string
}

func (x *Id) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.Scheme)
	return jute.AppendString(dst, x.ID)
}

func (x *Id) Decode(r *jute.Reader) {
	x.Scheme = r.String()
	x.ID = r.String()
}

// ACL is one access-control entry.
type ACL struct {
	Perms int32
	ID    Id
}

func (x *ACL) AppendTo(dst []byte) []byte {
	dst = jute.AppendInt32(dst, x.Perms)
	return x.ID.AppendTo(dst)
}

func (x *ACL) Decode(r *jute.Reader) {
	x.Perms = r.Int32()
	x.ID.Decode(r)
}

// appendACLs appends a vector<ACL>; nil is the null vector.
func appendACLs(dst []byte, acl []ACL) []byte {
	if acl == nil {
		return jute.AppendVectorLen(dst, -1)
	}
	dst = jute.AppendVectorLen(dst, len(acl))
	for i := range acl {
		dst = acl[i].AppendTo(dst)
	}
	return dst
}

// readACLs reads a vector<ACL>. An ACL takes at least 12 bytes.
func readACLs(r *jute.Reader) []ACL {
	n := r.VectorLen(12)
	if n < 0 {
		return nil
	}
	acl := make([]ACL, n)
	for i := range acl {
		acl[i].Decode(r)
	}
	return acl
}

// StatSize is the encoded size of a Stat.
const StatSize = 68

// Stat is a znode's metadata (org.apache.zookeeper.data.Stat).
type Stat struct {
	Czxid          int64 // zxid of the create
	Mzxid          int64 // zxid of the last data change
	Ctime          int64 // create time, ms since the epoch
	Mtime          int64 // last data change time, ms since the epoch
	Version        int32 // data version
	Cversion       int32 // children version
	Aversion       int32 // ACL version
	EphemeralOwner int64 // owning session of an ephemeral, else 0
	DataLength     int32
	NumChildren    int32
	Pzxid          int64 // zxid of the last children change
}

func (x *Stat) AppendTo(dst []byte) []byte {
	dst = jute.AppendInt64(dst, x.Czxid)
	dst = jute.AppendInt64(dst, x.Mzxid)
	dst = jute.AppendInt64(dst, x.Ctime)
	dst = jute.AppendInt64(dst, x.Mtime)
	dst = jute.AppendInt32(dst, x.Version)
	dst = jute.AppendInt32(dst, x.Cversion)
	dst = jute.AppendInt32(dst, x.Aversion)
	dst = jute.AppendInt64(dst, x.EphemeralOwner)
	dst = jute.AppendInt32(dst, x.DataLength)
	dst = jute.AppendInt32(dst, x.NumChildren)
	return jute.AppendInt64(dst, x.Pzxid)
}

// Decode reads the 68 bytes in one step: a Stat is in every data reply,
// so this is on the hot path.
func (x *Stat) Decode(r *jute.Reader) {
	b := r.Next(StatSize)
	if b == nil {
		*x = Stat{}
		return
	}
	be := binary.BigEndian
	x.Czxid = int64(be.Uint64(b[0:]))
	x.Mzxid = int64(be.Uint64(b[8:]))
	x.Ctime = int64(be.Uint64(b[16:]))
	x.Mtime = int64(be.Uint64(b[24:]))
	x.Version = int32(be.Uint32(b[32:]))
	x.Cversion = int32(be.Uint32(b[36:]))
	x.Aversion = int32(be.Uint32(b[40:]))
	x.EphemeralOwner = int64(be.Uint64(b[44:]))
	x.DataLength = int32(be.Uint32(b[52:]))
	x.NumChildren = int32(be.Uint32(b[56:]))
	x.Pzxid = int64(be.Uint64(b[60:]))
}

// ClientInfo is one identity of a session, as whoAmI reports it (3.7+).
type ClientInfo struct {
	AuthScheme string
	User       string
}

func (x *ClientInfo) AppendTo(dst []byte) []byte {
	dst = jute.AppendString(dst, x.AuthScheme)
	return jute.AppendString(dst, x.User)
}

func (x *ClientInfo) Decode(r *jute.Reader) {
	x.AuthScheme = r.String()
	x.User = r.String()
}
