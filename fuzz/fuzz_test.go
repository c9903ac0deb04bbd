package fuzz

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// ops are the opcodes whose request and response records the generic
// targets pick from with their first byte.
var ops = []proto.Op{
	proto.OpNotification, proto.OpCreate, proto.OpDelete, proto.OpExists,
	proto.OpGetData, proto.OpSetData, proto.OpGetACL, proto.OpSetACL,
	proto.OpGetChildren, proto.OpSync, proto.OpGetChildren2, proto.OpCheck,
	proto.OpMulti, proto.OpCreate2, proto.OpReconfig, proto.OpCheckWatches,
	proto.OpRemoveWatches, proto.OpCreateContainer, proto.OpCreateTTL,
	proto.OpMultiRead, proto.OpAuth, proto.OpSetWatches, proto.OpSASL,
	proto.OpGetEphemerals, proto.OpGetAllChildrenNumber, proto.OpSetWatches2,
	proto.OpAddWatch, proto.OpWhoAmI,
}

// stable decodes b into a fresh record and, if that succeeds, checks that
// the decode accounted for exactly the bytes it consumed: the record's
// encoding has that many bytes (a decoder that skips or invents a field
// breaks this), and a fresh decoder consumes all of that encoding and
// encodes it back to the same bytes.
func stable(t testing.TB, newRec func() proto.Record, b []byte) {
	rec := newRec()
	r := jute.NewReader(b)
	rec.Decode(r)
	if r.Err() != nil {
		return
	}
	used := r.Offset()
	enc := rec.AppendTo(nil)
	if len(enc) != used && !(optionalTail(rec) && len(enc) == used+1) {
		t.Fatalf("%T consumed %d bytes (%x) but encodes as %d (%x)", rec, used, b[:used], len(enc), enc)
	}
	again := newRec()
	r2 := jute.NewReader(enc)
	again.Decode(r2)
	if err := r2.Err(); err != nil {
		t.Fatalf("re-decoding own encoding %x: %v", enc, err)
	}
	if r2.Offset() != len(enc) {
		t.Fatalf("%T: re-decoding own encoding consumed %d of %d bytes", rec, r2.Offset(), len(enc))
	}
	if enc2 := again.AppendTo(nil); !bytes.Equal(enc, enc2) {
		t.Fatalf("unstable: %x then %x", enc, enc2)
	}
}

// optionalTail reports records whose last field (the read-only byte) may be
// absent on the wire (an old peer) but is always encoded.
func optionalTail(rec proto.Record) bool {
	switch rec.(type) {
	case *proto.ConnectRequest, *proto.ConnectResponse:
		return true
	}
	return false
}

func addSeeds(f *testing.F, recs ...proto.Record) {
	for i, rec := range recs {
		f.Add(byte(i), rec.AppendTo(nil))
	}
}

var sampleStat = proto.Stat{Czxid: 1, Mzxid: 2, Ctime: 3, Mtime: 4, Version: 5, Cversion: 6, Aversion: 7, EphemeralOwner: 8, DataLength: 9, NumChildren: 10, Pzxid: 11}

// FuzzResponse decodes every response record, picked by the first byte.
func FuzzResponse(f *testing.F) {
	addSeeds(f,
		&proto.WatcherEvent{Type: proto.EventNodeCreated, State: proto.StateSyncConnected, Path: "/a"},
		&proto.CreateResponse{Path: "/a/b-0000000001"},
		&proto.Create2Response{Path: "/x", Stat: sampleStat},
		&proto.GetDataResponse{Data: []byte("hello"), Stat: sampleStat},
		&proto.GetChildren2Response{Children: []string{"a", "bb", ""}, Stat: sampleStat},
		&proto.GetACLResponse{ACL: []proto.ACL{{Perms: 31, ID: proto.Id{Scheme: "world", ID: "anyone"}}}, Stat: sampleStat},
		&proto.MultiResponse{Results: []proto.MultiResult{{Op: proto.OpCreate, Resp: &proto.CreateResponse{Path: "/m"}}, {Op: proto.OpError, Err: proto.ErrNodeExists}}},
		&proto.WhoAmIResponse{ClientInfo: []proto.ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}}},
	)
	f.Add(byte(0), []byte{0x7f, 0xff, 0xff, 0xff})
	f.Add(byte(12), []byte{0xff, 0xff, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, sel byte, b []byte) {
		op := ops[int(sel)%len(ops)]
		if proto.NewResponse(op) == nil {
			return
		}
		stable(t, func() proto.Record { return proto.NewResponse(op) }, b)
	})
}

// FuzzRequest decodes every request record (what a fake server or proxy
// built on proto reads), picked by the first byte.
func FuzzRequest(f *testing.F) {
	addSeeds(f,
		&proto.CreateRequest{Path: "/a", Data: []byte("x"), ACL: []proto.ACL{{Perms: 31, ID: proto.Id{Scheme: "world", ID: "anyone"}}}, Flags: 3},
		&proto.MultiRequest{Ops: []proto.MultiOp{{Op: proto.OpDelete, Req: &proto.DeleteRequest{Path: "/a", Version: -1}}}},
		&proto.SetWatches2{RelativeZxid: 9, DataWatches: []string{"/a"}, PersistentRecursiveWatches: []string{"/"}},
		&proto.AuthPacket{Scheme: "digest", Auth: []byte("u:p")},
	)
	f.Fuzz(func(t *testing.T, sel byte, b []byte) {
		op := ops[int(sel)%len(ops)]
		if proto.NewRequest(op) == nil {
			return
		}
		stable(t, func() proto.Record { return proto.NewRequest(op) }, b)
	})
}

// FuzzConnectResponse decodes the handshake reply, with and without the
// trailing read-only byte.
func FuzzConnectResponse(f *testing.F) {
	full := (&proto.ConnectResponse{TimeOut: 10000, SessionID: 0x0100000000000001, Passwd: make([]byte, 16)}).AppendTo(nil)
	f.Add(full)
	f.Add(full[:len(full)-1])
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		stable(t, func() proto.Record { return &proto.ConnectResponse{} }, b)
		stable(t, func() proto.Record { return &proto.ConnectRequest{} }, b)
	})
}

// FuzzReplyFrame decodes a whole reply payload as the receive loop does:
// a ReplyHeader, then (err 0) the body of the op it answers.
func FuzzReplyFrame(f *testing.F) {
	hdr := (&proto.ReplyHeader{Xid: -1, Zxid: -1}).AppendTo(nil)
	f.Add(byte(0), append(hdr, (&proto.WatcherEvent{Type: 3, State: 3, Path: "/p"}).AppendTo(nil)...))
	f.Add(byte(4), append((&proto.ReplyHeader{Xid: 7, Zxid: 100}).AppendTo(nil), (&proto.GetDataResponse{Data: []byte("d"), Stat: sampleStat}).AppendTo(nil)...))
	f.Add(byte(12), (&proto.ReplyHeader{Xid: 8, Zxid: 100, Err: proto.ErrNoNode}).AppendTo(nil))
	f.Fuzz(func(t *testing.T, sel byte, b []byte) {
		var h proto.ReplyHeader
		r := jute.NewReader(b)
		h.Decode(r)
		if r.Err() != nil || h.Err != 0 {
			return
		}
		op := ops[int(sel)%len(ops)]
		if h.Xid == proto.XidNotification {
			op = proto.OpNotification
		}
		if proto.NewResponse(op) == nil {
			return
		}
		stable(t, func() proto.Record { return proto.NewResponse(op) }, b[r.Offset():])
	})
}

// FuzzRoundTrip builds records from fuzzed field values and checks that
// decode(encode(x)) encodes back to the same bytes.
func FuzzRoundTrip(f *testing.F) {
	f.Add("/path", []byte("data"), int32(3), int64(42), true)
	f.Add("", []byte(nil), int32(-1), int64(-1), false)
	f.Fuzz(func(t *testing.T, s string, data []byte, i32 int32, i64 int64, flag bool) {
		recs := []proto.Record{
			&proto.CreateTTLRequest{Path: s, Data: data, ACL: []proto.ACL{{Perms: i32, ID: proto.Id{Scheme: s, ID: s}}}, Flags: proto.CreateMode(i32), TTL: i64},
			&proto.GetDataResponse{Data: data, Stat: proto.Stat{Czxid: i64, Version: i32}},
			&proto.SetWatches2{RelativeZxid: i64, DataWatches: []string{s}, ChildWatches: []string{}, PersistentWatches: nil},
			&proto.ConnectRequest{LastZxidSeen: i64, TimeOut: i32, SessionID: i64, Passwd: data, ReadOnly: flag},
			&proto.WatcherEvent{Type: proto.EventType(i32), State: proto.State(i32), Path: s},
			&proto.MultiRequest{Ops: []proto.MultiOp{{Op: proto.OpSetData, Req: &proto.SetDataRequest{Path: s, Data: data, Version: i32}}, {Op: proto.OpCheck, Req: &proto.CheckVersionRequest{Path: s, Version: i32}}}},
		}
		for _, rec := range recs {
			enc := rec.AppendTo(nil)
			fresh := proto.Record(nil)
			switch rec.(type) {
			case *proto.CreateTTLRequest:
				fresh = &proto.CreateTTLRequest{}
			case *proto.GetDataResponse:
				fresh = &proto.GetDataResponse{}
			case *proto.SetWatches2:
				fresh = &proto.SetWatches2{}
			case *proto.ConnectRequest:
				fresh = &proto.ConnectRequest{}
			case *proto.WatcherEvent:
				fresh = &proto.WatcherEvent{}
			case *proto.MultiRequest:
				fresh = &proto.MultiRequest{}
			}
			if err := proto.Unmarshal(enc, fresh); err != nil {
				t.Fatalf("%T: decode own encoding: %v", rec, err)
			}
			if got := fresh.AppendTo(nil); !bytes.Equal(got, enc) {
				t.Fatalf("%T: %x re-encodes as %x", rec, enc, got)
			}
		}
	})
}

// shortRead decodes one int32 but encodes two: a decoder that skips a field.
type shortRead struct{ a int32 }

func (x *shortRead) AppendTo(dst []byte) []byte {
	return jute.AppendInt32(jute.AppendInt32(dst, x.a), 0)
}
func (x *shortRead) Decode(r *jute.Reader) { x.a = r.Int32() }

// fatalTB records a Fatalf and stops the check there.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

// The check in stable can fail: a decoder that skips a field is caught on
// the first input it accepts.
func TestStableCatchesSkippedField(t *testing.T) {
	ft := &fatalTB{TB: t}
	func() {
		defer func() {
			if p := recover(); p != nil && p != ft {
				panic(p)
			}
		}()
		stable(ft, func() proto.Record { return &shortRead{} }, []byte{0, 0, 0, 1, 0, 0, 0, 0})
	}()
	if ft.msg == "" {
		t.Fatal("stable accepted a decoder that consumes 4 bytes of an 8-byte encoding")
	}
	t.Log(ft.msg)
}
