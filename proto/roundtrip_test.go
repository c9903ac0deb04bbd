package proto_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/zkwire/zk/internal/diff"
	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// rtCase is one record value for the round-trip test; fresh returns an
// empty record of the same type to decode into.
type rtCase struct {
	name  string
	in    proto.Record
	fresh func() proto.Record
}

// recordPtr is a pointer to a record struct T.
type recordPtr[T any] interface {
	*T
	proto.Record
}

func rt[T any, P recordPtr[T]](name string, v *T) rtCase {
	return rtCase{name: name, in: P(v), fresh: func() proto.Record { return P(new(T)) }}
}

var (
	world   = proto.ACL{Perms: proto.PermAll, ID: proto.Id{Scheme: "world", ID: "anyone"}}
	digest  = proto.ACL{Perms: proto.PermRead | proto.PermAdmin, ID: proto.Id{Scheme: "digest", ID: "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY="}}
	twoACLs = []proto.ACL{world, digest}
	stat    = proto.Stat{
		Czxid: 0x100000002, Mzxid: 0x100000007, Ctime: 1_700_000_000_123, Mtime: 1_700_000_005_456,
		Version: 3, Cversion: 4, Aversion: 1, EphemeralOwner: 0x0100002a04570000,
		DataLength: 5, NumChildren: 2, Pzxid: -1,
	}
)

// roundTripCases lists every record type of the package, with nil and
// empty buffers and vectors wherever the type keeps the difference.
func roundTripCases() []rtCase {
	return []rtCase{
		rt("RequestHeader", &proto.RequestHeader{Xid: 7, Type: proto.OpGetData}),
		rt("RequestHeader/ping", &proto.RequestHeader{Xid: proto.XidPing, Type: proto.OpPing}),
		rt("ReplyHeader", &proto.ReplyHeader{Xid: 7, Zxid: 1 << 40, Err: proto.ErrNoNode}),
		rt("ReplyHeader/notification", &proto.ReplyHeader{Xid: proto.XidNotification, Zxid: -1}),

		rt("ConnectRequest/new", &proto.ConnectRequest{TimeOut: 10000, Passwd: make([]byte, 16)}),
		rt("ConnectRequest/reattach readOnly", &proto.ConnectRequest{LastZxidSeen: 99, TimeOut: 4000, SessionID: 0x0100002a04570000, Passwd: []byte("0123456789abcdef"), ReadOnly: true}),
		rt("ConnectRequest/null passwd", &proto.ConnectRequest{TimeOut: 1}),
		rt("ConnectResponse", &proto.ConnectResponse{TimeOut: 10000, SessionID: 0x0100002a04570000, Passwd: []byte("0123456789abcdef")}),
		rt("ConnectResponse/readOnly", &proto.ConnectResponse{TimeOut: 4000, SessionID: 5, Passwd: []byte{}, ReadOnly: true}),
		rt("ConnectResponse/invalid", &proto.ConnectResponse{Passwd: make([]byte, 16)}),

		rt("AuthPacket", &proto.AuthPacket{Scheme: "digest", Auth: []byte("user:password")}),
		rt("AuthPacket/null auth", &proto.AuthPacket{Scheme: "x"}),
		rt("AuthPacket/empty auth", &proto.AuthPacket{Type: 3, Scheme: "", Auth: []byte{}}),

		rt("SetWatches", &proto.SetWatches{RelativeZxid: 42, DataWatches: []string{"/a", "/b"}, ExistWatches: []string{}, ChildWatches: nil}),
		rt("SetWatches/all null", &proto.SetWatches{}),
		rt("SetWatches2", &proto.SetWatches2{RelativeZxid: -1, DataWatches: []string{"/a"}, ExistWatches: nil, ChildWatches: []string{""},
			PersistentWatches: []string{}, PersistentRecursiveWatches: []string{"/r", "/r/ü"}}),
		rt("SetWatches2/all null", &proto.SetWatches2{}),

		rt("WatcherEvent", &proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/a/b"}),
		rt("WatcherEvent/unknown", &proto.WatcherEvent{Type: 99, State: -7}),

		rt("Stat", &stat),
		rt("Stat/zero", &proto.Stat{}),
		rt("Id", &proto.Id{Scheme: "ip", ID: "10.0.0.0/8"}),
		rt("ACL", &digest),
		rt("ClientInfo", &proto.ClientInfo{AuthScheme: "sasl", User: "bob"}),

		rt("GetDataRequest", &proto.GetDataRequest{Path: "/a", Watch: true}),
		rt("GetDataResponse", &proto.GetDataResponse{Data: []byte("hello"), Stat: stat}),
		rt("GetDataResponse/null data", &proto.GetDataResponse{Stat: stat}),
		rt("GetDataResponse/empty data", &proto.GetDataResponse{Data: []byte{}}),

		rt("CreateRequest", &proto.CreateRequest{Path: "/a", Data: []byte{0, 1, 0xff}, ACL: twoACLs, Flags: proto.ModeEphemeralSequential}),
		rt("CreateRequest/null data null acl", &proto.CreateRequest{Path: "/a"}),
		rt("CreateRequest/empty data empty acl", &proto.CreateRequest{Path: "/a", Data: []byte{}, ACL: []proto.ACL{}, Flags: proto.ModeContainer}),
		rt("CreateTTLRequest", &proto.CreateTTLRequest{Path: "/t", Data: []byte("x"), ACL: []proto.ACL{world}, Flags: proto.ModePersistentWithTTL, TTL: 1<<40 - 1}),
		rt("CreateTTLRequest/null", &proto.CreateTTLRequest{Path: "/t", Flags: proto.ModePersistentSequentialWithTTL, TTL: 1}),
		rt("CreateResponse", &proto.CreateResponse{Path: "/a/seq-0000000007"}),
		rt("Create2Response", &proto.Create2Response{Path: "/a", Stat: stat}),

		rt("DeleteRequest", &proto.DeleteRequest{Path: "/a", Version: -1}),
		rt("ExistsRequest", &proto.ExistsRequest{Path: "/a", Watch: true}),
		rt("ExistsResponse", &proto.ExistsResponse{Stat: stat}),
		rt("SetDataRequest", &proto.SetDataRequest{Path: "/a", Data: []byte("v"), Version: 3}),
		rt("SetDataRequest/null data", &proto.SetDataRequest{Path: "/a", Version: -1}),
		rt("SetDataRequest/empty data", &proto.SetDataRequest{Path: "/a", Data: []byte{}}),
		rt("SetDataResponse", &proto.SetDataResponse{Stat: stat}),

		rt("GetACLRequest", &proto.GetACLRequest{Path: "/a"}),
		rt("GetACLResponse", &proto.GetACLResponse{ACL: twoACLs, Stat: stat}),
		rt("GetACLResponse/null acl", &proto.GetACLResponse{}),
		rt("GetACLResponse/empty acl", &proto.GetACLResponse{ACL: []proto.ACL{}}),
		rt("SetACLRequest", &proto.SetACLRequest{Path: "/a", ACL: twoACLs, Version: 1}),
		rt("SetACLRequest/empty acl", &proto.SetACLRequest{Path: "/a", ACL: []proto.ACL{}, Version: -1}),
		rt("SetACLResponse", &proto.SetACLResponse{Stat: stat}),

		rt("GetChildrenRequest", &proto.GetChildrenRequest{Path: "/", Watch: true}),
		rt("GetChildrenResponse", &proto.GetChildrenResponse{Children: []string{"zookeeper", "a", ""}}),
		rt("GetChildrenResponse/null", &proto.GetChildrenResponse{}),
		rt("GetChildrenResponse/empty", &proto.GetChildrenResponse{Children: []string{}}),
		rt("GetChildren2Request", &proto.GetChildren2Request{Path: "/a"}),
		rt("GetChildren2Response", &proto.GetChildren2Response{Children: []string{"x"}, Stat: stat}),
		rt("GetChildren2Response/empty", &proto.GetChildren2Response{Children: []string{}}),

		rt("SyncRequest", &proto.SyncRequest{Path: "/a"}),
		rt("SyncResponse", &proto.SyncResponse{Path: "/a"}),
		rt("CheckVersionRequest", &proto.CheckVersionRequest{Path: "/a", Version: 9}),

		rt("CheckWatchesRequest", &proto.CheckWatchesRequest{Path: "/a", Type: proto.WatcherData}),
		rt("RemoveWatchesRequest", &proto.RemoveWatchesRequest{Path: "/a", Type: proto.WatcherAny}),
		rt("AddWatchRequest", &proto.AddWatchRequest{Path: "/a", Mode: proto.AddWatchPersistentRecursive}),
		rt("ErrorResponse", &proto.ErrorResponse{Err: proto.ErrNoWatcher}),
		rt("ErrorResponse/ok", &proto.ErrorResponse{}),

		rt("GetSASLRequest", &proto.GetSASLRequest{Token: []byte("charset=utf-8,username=\"bob\"")}),
		rt("GetSASLRequest/empty", &proto.GetSASLRequest{Token: []byte{}}),
		rt("GetSASLRequest/null", &proto.GetSASLRequest{}),
		rt("SetSASLResponse", &proto.SetSASLResponse{Token: []byte("rspauth=abc")}),
		rt("SetSASLResponse/null", &proto.SetSASLResponse{}),

		rt("GetEphemeralsRequest", &proto.GetEphemeralsRequest{PrefixPath: "/app"}),
		rt("GetEphemeralsResponse", &proto.GetEphemeralsResponse{Ephemerals: []string{"/app/e1", "/app/e2"}}),
		rt("GetEphemeralsResponse/empty", &proto.GetEphemeralsResponse{Ephemerals: []string{}}),
		rt("GetEphemeralsResponse/null", &proto.GetEphemeralsResponse{}),
		rt("GetAllChildrenNumberRequest", &proto.GetAllChildrenNumberRequest{Path: "/"}),
		rt("GetAllChildrenNumberResponse", &proto.GetAllChildrenNumberResponse{TotalNumber: 12}),

		rt("WhoAmIResponse", &proto.WhoAmIResponse{ClientInfo: []proto.ClientInfo{{AuthScheme: "digest", User: "user"}, {AuthScheme: "ip", User: "127.0.0.1"}}}),
		rt("WhoAmIResponse/empty", &proto.WhoAmIResponse{ClientInfo: []proto.ClientInfo{}}),
		rt("WhoAmIResponse/null", &proto.WhoAmIResponse{}),

		rt("ReconfigRequest/incremental", &proto.ReconfigRequest{JoiningServers: "server.4=127.0.0.1:2891:3891;2184", LeavingServers: "2,3", CurConfigID: -1}),
		rt("ReconfigRequest/bulk", &proto.ReconfigRequest{NewMembers: "server.1=a:1:2;3", CurConfigID: 0x100000000}),

		rt("MultiHeader", &proto.MultiHeader{Type: proto.OpSetData, Err: -1}),
		rt("MultiHeader/end", &proto.MultiHeader{Type: proto.OpError, Done: true, Err: -1}),
		rt("MultiRequest/empty", &proto.MultiRequest{}),
		rt("MultiRequest/mixed", mixedMulti()),
		rt("MultiRequest/read", &proto.MultiRequest{Ops: []proto.MultiOp{
			{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/a"}},
			{Op: proto.OpGetChildren, Req: &proto.GetChildrenRequest{Path: "/"}},
		}}),
		rt("MultiResponse/empty", &proto.MultiResponse{}),
		rt("MultiResponse/ok", &proto.MultiResponse{Results: []proto.MultiResult{
			{Op: proto.OpCreate, Resp: &proto.CreateResponse{Path: "/a/b"}},
			{Op: proto.OpCreate2, Resp: &proto.Create2Response{Path: "/c", Stat: stat}},
			{Op: proto.OpDelete},
			{Op: proto.OpSetData, Resp: &proto.SetDataResponse{Stat: stat}},
			{Op: proto.OpCheck},
		}}),
		rt("MultiResponse/failed", failedMultiResponse()),
		rt("MultiResponse/read", &proto.MultiResponse{Results: []proto.MultiResult{
			{Op: proto.OpGetData, Resp: &proto.GetDataResponse{Data: []byte("d"), Stat: stat}},
			{Op: proto.OpGetData, Resp: &proto.GetDataResponse{Stat: stat}},
			{Op: proto.OpGetChildren, Resp: &proto.GetChildrenResponse{Children: []string{}}},
			{Op: proto.OpError, Err: proto.ErrNoNode, Resp: &proto.ErrorResponse{Err: proto.ErrNoNode}},
		}}),
	}
}

func mixedMulti() *proto.MultiRequest {
	return &proto.MultiRequest{Ops: []proto.MultiOp{
		{Op: proto.OpCreate, Req: &proto.CreateRequest{Path: "/m", Data: []byte("x"), ACL: []proto.ACL{world}}},
		{Op: proto.OpCreate2, Req: &proto.CreateRequest{Path: "/m/s-", ACL: twoACLs, Flags: proto.ModePersistentSequential}},
		{Op: proto.OpCreateContainer, Req: &proto.CreateRequest{Path: "/c", Data: []byte{}, ACL: []proto.ACL{world}, Flags: proto.ModeContainer}},
		{Op: proto.OpCreateTTL, Req: &proto.CreateTTLRequest{Path: "/t", ACL: []proto.ACL{world}, Flags: proto.ModePersistentWithTTL, TTL: 5000}},
		{Op: proto.OpSetData, Req: &proto.SetDataRequest{Path: "/m", Data: []byte("y"), Version: 0}},
		{Op: proto.OpCheck, Req: &proto.CheckVersionRequest{Path: "/m", Version: 1}},
		{Op: proto.OpDelete, Req: &proto.DeleteRequest{Path: "/m/s-0000000000", Version: -1}},
	}}
}

func failedMultiResponse() *proto.MultiResponse {
	return &proto.MultiResponse{Results: []proto.MultiResult{
		{Op: proto.OpError, Err: proto.ErrOK, Resp: &proto.ErrorResponse{Err: proto.ErrOK}},
		{Op: proto.OpError, Err: proto.ErrNodeExists, Resp: &proto.ErrorResponse{Err: proto.ErrNodeExists}},
		{Op: proto.OpError, Err: proto.ErrRuntimeInconsistency, Resp: &proto.ErrorResponse{Err: proto.ErrRuntimeInconsistency}},
	}}
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range roundTripCases() {
		t.Run(tc.name, func(t *testing.T) {
			enc := proto.Marshal(tc.in)
			r := jute.NewReader(enc)
			got := tc.fresh()
			got.Decode(r)
			if err := r.Err(); err != nil {
				t.Fatalf("decode % x: %v", enc, err)
			}
			if r.Len() != 0 {
				t.Errorf("%d bytes left after decode", r.Len())
			}
			if d := diff.Diff(tc.in, got); d != "" {
				t.Errorf("decode(encode(x)) differs (-in +got):\n%s", d)
			}
			if again := proto.Marshal(got); !bytes.Equal(again, enc) {
				t.Errorf("re-encode differs:\n got % x\nwant % x", again, enc)
			}
			// AppendTo appends: it must keep what dst holds.
			prefix := []byte{0xde, 0xad}
			if app := tc.in.AppendTo(prefix); !bytes.Equal(app[:2], prefix) || !bytes.Equal(app[2:], enc) {
				t.Errorf("AppendTo does not append: % x", app)
			}
		})
	}
}

// TestRoundTripCoversEveryRecord checks that the table above covers every
// record NewRequest and NewResponse can return, so a new record cannot be
// added without a round-trip case.
func TestRoundTripCoversEveryRecord(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range roundTripCases() {
		covered[fmt.Sprintf("%T", tc.in)] = true
	}
	for op := proto.Op(-20); op < 200; op++ {
		for _, rec := range []proto.Record{proto.NewRequest(op), proto.NewResponse(op)} {
			if rec == nil {
				continue
			}
			if typ := fmt.Sprintf("%T", rec); !covered[typ] {
				t.Errorf("%v: %s has no round-trip case", op, typ)
			}
		}
	}
}

func TestEmpty(t *testing.T) {
	if b := proto.Marshal(proto.Empty{}); len(b) != 0 {
		t.Fatalf("Empty encodes to % x", b)
	}
	if err := proto.Unmarshal(nil, proto.Empty{}); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(nil, &proto.Empty{}); err != nil {
		t.Fatal(err)
	}
}

// TestReconfigEmptyIsNull checks that unused reconfig fields go out as the
// null string: the server picks a bulk reconfig on newMembers != null.
func TestReconfigEmptyIsNull(t *testing.T) {
	got := proto.Marshal(&proto.ReconfigRequest{LeavingServers: "3", CurConfigID: -1})
	want := unhex(t, "ffffffff 00000001 33 ffffffff ffffffffffffffff")
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x\nwant % x", got, want)
	}
}

func TestNewRequestResponse(t *testing.T) {
	cases := []struct {
		op        proto.Op
		req, resp string
	}{
		{proto.OpCreate, "*proto.CreateRequest", "*proto.CreateResponse"},
		{proto.OpCreate2, "*proto.CreateRequest", "*proto.Create2Response"},
		{proto.OpCreateContainer, "*proto.CreateRequest", "*proto.Create2Response"},
		{proto.OpCreateTTL, "*proto.CreateTTLRequest", "*proto.Create2Response"},
		{proto.OpDelete, "*proto.DeleteRequest", "<nil>"},
		{proto.OpExists, "*proto.ExistsRequest", "*proto.ExistsResponse"},
		{proto.OpGetData, "*proto.GetDataRequest", "*proto.GetDataResponse"},
		{proto.OpSetData, "*proto.SetDataRequest", "*proto.SetDataResponse"},
		{proto.OpGetACL, "*proto.GetACLRequest", "*proto.GetACLResponse"},
		{proto.OpSetACL, "*proto.SetACLRequest", "*proto.SetACLResponse"},
		{proto.OpGetChildren, "*proto.GetChildrenRequest", "*proto.GetChildrenResponse"},
		{proto.OpSync, "*proto.SyncRequest", "*proto.SyncResponse"},
		{proto.OpPing, "<nil>", "<nil>"},
		{proto.OpGetChildren2, "*proto.GetChildren2Request", "*proto.GetChildren2Response"},
		{proto.OpCheck, "*proto.CheckVersionRequest", "<nil>"},
		{proto.OpMulti, "*proto.MultiRequest", "*proto.MultiResponse"},
		{proto.OpMultiRead, "*proto.MultiRequest", "*proto.MultiResponse"},
		{proto.OpReconfig, "*proto.ReconfigRequest", "*proto.GetDataResponse"},
		{proto.OpCheckWatches, "*proto.CheckWatchesRequest", "<nil>"},
		{proto.OpRemoveWatches, "*proto.RemoveWatchesRequest", "<nil>"},
		{proto.OpAuth, "*proto.AuthPacket", "<nil>"},
		{proto.OpSetWatches, "*proto.SetWatches", "<nil>"},
		{proto.OpSASL, "*proto.GetSASLRequest", "*proto.SetSASLResponse"},
		{proto.OpGetEphemerals, "*proto.GetEphemeralsRequest", "*proto.GetEphemeralsResponse"},
		{proto.OpGetAllChildrenNumber, "*proto.GetAllChildrenNumberRequest", "*proto.GetAllChildrenNumberResponse"},
		{proto.OpSetWatches2, "*proto.SetWatches2", "<nil>"},
		{proto.OpAddWatch, "*proto.AddWatchRequest", "*proto.ErrorResponse"},
		{proto.OpWhoAmI, "<nil>", "*proto.WhoAmIResponse"},
		{proto.OpNotification, "<nil>", "*proto.WatcherEvent"},
		{proto.OpCloseSession, "<nil>", "<nil>"},
		{proto.OpCreateSession, "<nil>", "<nil>"},
		{proto.OpError, "<nil>", "<nil>"},
		{50, "<nil>", "<nil>"},
	}
	for _, tc := range cases {
		if got := fmt.Sprintf("%T", proto.NewRequest(tc.op)); got != tc.req {
			t.Errorf("NewRequest(%v) = %s, want %s", tc.op, got, tc.req)
		}
		if got := fmt.Sprintf("%T", proto.NewResponse(tc.op)); got != tc.resp {
			t.Errorf("NewResponse(%v) = %s, want %s", tc.op, got, tc.resp)
		}
	}
	// Each call returns a fresh record.
	if proto.NewRequest(proto.OpCreate) == proto.NewRequest(proto.OpCreate) {
		t.Error("NewRequest returned a shared record")
	}
}
