package proto_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/zkwire/zk/internal/diff"
	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// opConnect marks the handshake frames (no header) in the capture table.
const opConnect proto.Op = proto.OpCreateSession

// serverCapture is one exchange with a real server: a Debian ZooKeeper
// 3.8.0 standalone (extendedTypesEnabled=true) driven over a raw socket.
// Frames include the 4-byte length. Notifications that arrived before a
// reply are listed as their own entries with no request. The requests were
// written by this package; that the server accepted each one and answered
// as expected is the check on them. The replies are the server's bytes.
type serverCapture struct {
	name       string
	op         proto.Op // the request's opcode, picks the reply body
	req, reply string   // hex
}

// serverCaptures is the session, in order: build /g, read and write it,
// multi (ok, failed, read, empty), 3.6+ calls, container/TTL, watch
// removal, errors, ping, auth, setWatches, closeSession; then a handshake
// without the readOnly byte.
func serverCaptures() []serverCapture {
	return []serverCapture{
		{
			name: "connect",
			op:   opConnect,
			req: "0000002d0000000000000000000000000000271000000000000000000000001000000000000000000000000000000000" +
				"00",
			reply: "0000002500000000000027100100002a0457000000000010bbc556722c6491e391fa77ad553e82f800",
		},
		{
			name: "create",
			op:   proto.OpCreate,
			req: "000000330000000100000001000000022f67000000026869000000010000001f00000005776f726c6400000006616e79" +
				"6f6e6500000000",
			reply: "0000001600000001000000000000000200000000000000022f67",
		},
		{
			name: "create2",
			op:   proto.OpCreate2,
			req: "00000034000000020000000f000000052f672f732dffffffff000000010000001f00000005776f726c6400000006616e" +
				"796f6e6500000003",
			reply: "00000067000000020000000000000003000000000000000f2f672f732d30303030303030303030000000000000000300" +
				"00000000000003000001a20299c364000001a20299c3640000000000000000000000000100002a045700000000000000" +
				"0000000000000000000003",
		},
		{
			name: "exists",
			op:   proto.OpExists,
			req:  "0000000f0000000300000003000000022f6701",
			reply: "000000540000000300000000000000030000000000000000000000020000000000000002000001a20299c354000001a2" +
				"0299c354000000000000000100000000000000000000000000000002000000010000000000000003",
		},
		{
			name: "getData",
			op:   proto.OpGetData,
			req:  "0000000f0000000400000004000000022f6701",
			reply: "0000005a0000000400000000000000030000000000000002686900000000000000020000000000000002000001a20299" +
				"c354000001a20299c354000000000000000100000000000000000000000000000002000000010000000000000003",
		},
		{
			name:  "setData notification",
			op:    proto.OpNotification,
			req:   "",
			reply: "0000001effffffffffffffffffffffff000000000000000300000003000000022f67",
		},
		{
			name: "setData",
			op:   proto.OpSetData,
			req:  "0000001b0000000500000005000000022f670000000568656c6c6fffffffff",
			reply: "000000540000000500000000000000040000000000000000000000020000000000000004000001a20299c354000001a2" +
				"0299c370000000010000000100000000000000000000000000000005000000010000000000000003",
		},
		{
			name: "getACL",
			op:   proto.OpGetACL,
			req:  "0000000e0000000600000006000000022f67",
			reply: "0000006f00000006000000000000000400000000000000010000001f00000005776f726c6400000006616e796f6e6500" +
				"000000000000020000000000000004000001a20299c354000001a20299c3700000000100000001000000000000000000" +
				"00000000000005000000010000000000000003",
		},
		{
			name: "setACL",
			op:   proto.OpSetACL,
			req: "000000440000000700000007000000022f67000000020000001f00000005776f726c6400000006616e796f6e65000000" +
				"01000000026970000000093132372e302e302e3100000000",
			reply: "000000540000000700000000000000050000000000000000000000020000000000000004000001a20299c354000001a2" +
				"0299c370000000010000000100000001000000000000000000000005000000010000000000000003",
		},
		{
			name:  "getChildren",
			op:    proto.OpGetChildren,
			req:   "0000000f0000000800000008000000022f6700",
			reply: "0000002400000008000000000000000500000000000000010000000c732d30303030303030303030",
		},
		{
			name: "getChildren2",
			op:   proto.OpGetChildren2,
			req:  "0000000f000000090000000c000000022f6700",
			reply: "0000006800000009000000000000000500000000000000010000000c732d303030303030303030300000000000000002" +
				"0000000000000004000001a20299c354000001a20299c370000000010000000100000001000000000000000000000005" +
				"000000010000000000000003",
		},
		{
			name:  "sync",
			op:    proto.OpSync,
			req:   "0000000e0000000a00000009000000022f67",
			reply: "000000160000000a000000000000000500000000000000022f67",
		},
		{
			name: "multi ok",
			op:   proto.OpMulti,
			req: "000000c00000000b0000000e0000000100ffffffff000000042f672f6d000000016d000000010000001f00000005776f" +
				"726c6400000006616e796f6e65000000000000000f00ffffffff000000052f672f6d3200000000000000010000001f00" +
				"000005776f726c6400000006616e796f6e65000000000000000500ffffffff000000042f672f6d000000017800000000" +
				"0000000d00ffffffff000000042f672f6d000000010000000200ffffffff000000052f672f6d32ffffffffffffffff01" +
				"ffffffff",
			reply: "0000009b0000000b000000000000000600000000000000010000000000000000042f672f6d0000000100000000000000" +
				"00052f672f6d3200000005000000000000000000000000060000000000000006000001a20299c38a000001a20299c38a" +
				"0000000100000000000000000000000000000000000000010000000000000000000000060000000d0000000000000000" +
				"020000000000ffffffff01ffffffff",
		},
		{
			name: "multi failed",
			op:   proto.OpMulti,
			req: "0000006b0000000c0000000e0000000d00ffffffff000000022f67000000010000000100ffffffff000000022f67ffff" +
				"ffff000000010000001f00000005776f726c6400000006616e796f6e65000000000000000200ffffffff000000042f67" +
				"2f6dffffffffffffffff01ffffffff",
			reply: "000000400000000c000000000000000700000000ffffffff000000000000000000ffffffff00ffffff92ffffff92ffff" +
				"ffff00fffffffefffffffeffffffff01ffffffff",
		},
		{
			name: "multiRead",
			op:   proto.OpMultiRead,
			req: "000000460000000d000000160000000400ffffffff000000042f672f6d000000000800ffffffff000000022f67000000" +
				"000400ffffffff000000052f6e6f706500ffffffff01ffffffff",
			reply: "0000009a0000000d00000000000000070000000000000004000000000000000001780000000000000006000000000000" +
				"0006000001a20299c38a000001a20299c38a000000010000000000000000000000000000000000000001000000000000" +
				"000000000006000000080000000000000000020000000c732d30303030303030303030000000016dffffffff00ffffff" +
				"9bffffff9bffffffff01ffffffff",
		},
		{
			name:  "multi empty",
			op:    proto.OpMulti,
			req:   "000000110000000e0000000effffffff01ffffffff",
			reply: "000000190000000e000000000000000800000000ffffffff01ffffffff",
		},
		{
			name:  "addWatch",
			op:    proto.OpAddWatch,
			req:   "000000120000000f0000006a000000022f6700000001",
			reply: "000000140000000f00000000000000080000000000000000",
		},
		{
			name:  "getEphemerals",
			op:    proto.OpGetEphemerals,
			req:   "0000000d0000001000000067000000012f",
			reply: "0000002700000010000000000000000800000000000000010000000f2f672f732d30303030303030303030",
		},
		{
			name:  "getAllChildrenNumber",
			op:    proto.OpGetAllChildrenNumber,
			req:   "0000000e0000001100000068000000022f67",
			reply: "000000140000001100000000000000080000000000000002",
		},
		{
			name:  "whoAmI",
			op:    proto.OpWhoAmI,
			req:   "00000008000000120000006b",
			reply: "000000270000001200000000000000080000000000000001000000026970000000093132372e302e302e31",
		},
		{
			name: "createContainer",
			op:   proto.OpCreateContainer,
			req: "000000310000001300000013000000022f63ffffffff000000010000001f00000005776f726c6400000006616e796f6e" +
				"6500000004",
			reply: "0000005a00000013000000000000000900000000000000022f6300000000000000090000000000000009000001a20299" +
				"c3a3000001a20299c3a3000000000000000000000000000000000000000000000000000000000000000000000009",
		},
		{
			name: "createTTL",
			op:   proto.OpCreateTTL,
			req: "0000003a0000001400000015000000022f740000000174000000010000001f00000005776f726c6400000006616e796f" +
				"6e6500000005000000000000ea60",
			reply: "0000005a00000014000000000000000a00000000000000022f74000000000000000a000000000000000a000001a20299" +
				"c3a6000001a20299c3a600000000000000000000000000000000000000000000000100000000000000000000000a",
		},
		{
			name: "multi container ttl",
			op:   proto.OpMulti,
			req: "00000080000000150000000e0000001300ffffffff000000032f6332ffffffff000000010000001f00000005776f726c" +
				"6400000006616e796f6e65000000040000001500ffffffff000000042f74322dffffffff000000010000001f00000005" +
				"776f726c6400000006616e796f6e650000000600000000000003e8ffffffff01ffffffff",
			reply: "000000cc00000015000000000000000b000000000000000f0000000000000000032f6332000000000000000b00000000" +
				"0000000b000001a20299c3a9000001a20299c3a900000000000000000000000000000000000000000000000000000000" +
				"000000000000000b0000000f00000000000000000e2f74322d30303030303030303034000000000000000b0000000000" +
				"00000b000001a20299c3a9000001a20299c3a90000000000000000000000000000000000000000000000000000000000" +
				"0000000000000bffffffff01ffffffff",
		},
		{
			name:  "removeWatches",
			op:    proto.OpRemoveWatches,
			req:   "000000120000001600000012000000022f6700000003",
			reply: "0000001000000016000000000000000b00000000",
		},
		{
			name:  "checkWatches",
			op:    proto.OpCheckWatches,
			req:   "000000120000001700000011000000022f6700000002",
			reply: "0000001000000017000000000000000bffffff87",
		},
		{
			name:  "delete nonode",
			op:    proto.OpDelete,
			req:   "000000150000001800000002000000052f6e6f7065ffffffff",
			reply: "0000001000000018000000000000000cffffff9b",
		},
		{
			name:  "ping",
			op:    proto.OpPing,
			req:   "00000008fffffffe0000000b",
			reply: "00000010fffffffe000000000000000c00000000",
		},
		{
			name:  "auth",
			op:    proto.OpAuth,
			req:   "00000027fffffffc0000006400000000000000066469676573740000000d757365723a70617373776f7264",
			reply: "00000010fffffffc000000000000000000000000",
		},
		{
			name:  "setWatches notification",
			op:    proto.OpNotification,
			req:   "",
			reply: "0000001effffffffffffffffffffffff000000000000000300000003000000022f67",
		},
		{
			name:  "setWatches",
			op:    proto.OpSetWatches,
			req:   "00000028fffffff800000065000000000000000100000001000000022f6700000001000000022f7800000000",
			reply: "00000010fffffff8000000000000000c00000000",
		},
		{
			name: "setWatches2",
			op:   proto.OpSetWatches2,
			req: "000000300000001900000069000000000000000100000000000000000000000000000001000000022f67000000010000" +
				"00022f74",
			reply: "0000001000000019000000000000000c00000000",
		},
		{
			name: "whoAmI after auth",
			op:   proto.OpWhoAmI,
			req:  "000000080000001a0000006b",
			reply: "000000390000001a000000000000000c0000000000000002000000066469676573740000000475736572000000026970" +
				"000000093132372e302e302e31",
		},
		{
			name:  "closeSession notification",
			op:    proto.OpNotification,
			req:   "",
			reply: "0000001effffffffffffffffffffffff000000000000000400000003000000022f67",
		},
		{
			name:  "closeSession",
			op:    proto.OpCloseSession,
			req:   "000000080000001bfffffff5",
			reply: "000000100000001b000000000000000d00000000",
		},
		{
			name:  "connect old client",
			op:    opConnect,
			req:   "0000002c0000000000000000000000000000271000000000000000000000001000000000000000000000000000000000",
			reply: "0000002400000000000027100100002a0457000100000010cee65072ccaf7028863ddfd829c796c5",
		},
	}
}

// serverChecks states what each captured reply means, so that a decoder
// that agrees with its own encoder but not with the server fails.
var serverChecks = map[string]func(t *testing.T, h *proto.ReplyHeader, body proto.Record){
	"connect": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		r := body.(*proto.ConnectResponse)
		if r.TimeOut != 10000 || r.SessionID != 0x0100002a04570000 || len(r.Passwd) != 16 || r.ReadOnly {
			t.Errorf("%+v", r)
		}
	},
	"connect old client": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		r := body.(*proto.ConnectResponse)
		if r.TimeOut != 10000 || r.SessionID != 0x0100002a04570001 || len(r.Passwd) != 16 {
			t.Errorf("%+v", r)
		}
	},
	"create": func(t *testing.T, h *proto.ReplyHeader, body proto.Record) {
		if h.Zxid != 2 || body.(*proto.CreateResponse).Path != "/g" {
			t.Errorf("%+v %+v", h, body)
		}
	},
	"create2": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		r := body.(*proto.Create2Response)
		if r.Path != "/g/s-0000000000" || r.Stat.EphemeralOwner != 0x0100002a04570000 || r.Stat.Czxid != 3 || r.Stat.DataLength != 0 {
			t.Errorf("%+v", r)
		}
	},
	"exists": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		s := body.(*proto.ExistsResponse).Stat
		if s.Czxid != 2 || s.DataLength != 2 || s.NumChildren != 1 || s.Cversion != 1 || s.Pzxid != 3 || s.Ctime != 0x1a20299c354 {
			t.Errorf("%+v", s)
		}
	},
	"getData": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		r := body.(*proto.GetDataResponse)
		if string(r.Data) != "hi" || r.Stat.Version != 0 {
			t.Errorf("%+v", r)
		}
	},
	"setData notification": func(t *testing.T, h *proto.ReplyHeader, body proto.Record) {
		ev := body.(*proto.WatcherEvent)
		if h.Zxid != -1 || *ev != (proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/g"}) {
			t.Errorf("%+v %+v", h, ev)
		}
	},
	"setData": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		s := body.(*proto.SetDataResponse).Stat
		if s.Version != 1 || s.DataLength != 5 || s.Mzxid != 4 {
			t.Errorf("%+v", s)
		}
	},
	"getACL": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		r := body.(*proto.GetACLResponse)
		if d := diff.Diff([]proto.ACL{world}, r.ACL); d != "" || r.Stat.Aversion != 0 {
			t.Errorf("%s %+v", d, r.Stat)
		}
	},
	"setACL": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		if s := body.(*proto.SetACLResponse).Stat; s.Aversion != 1 {
			t.Errorf("%+v", s)
		}
	},
	"getChildren": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		if d := diff.Diff([]string{"s-0000000000"}, body.(*proto.GetChildrenResponse).Children); d != "" {
			t.Error(d)
		}
	},
	"getChildren2": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		r := body.(*proto.GetChildren2Response)
		if d := diff.Diff([]string{"s-0000000000"}, r.Children); d != "" || r.Stat.NumChildren != 1 {
			t.Errorf("%s %+v", d, r.Stat)
		}
	},
	"sync": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		if body.(*proto.SyncResponse).Path != "/g" {
			t.Errorf("%+v", body)
		}
	},
	"multi ok": func(t *testing.T, h *proto.ReplyHeader, body proto.Record) {
		res := body.(*proto.MultiResponse).Results
		// create2 inside a multi answers as create: a path, no Stat.
		wantOps := []proto.Op{proto.OpCreate, proto.OpCreate, proto.OpSetData, proto.OpCheck, proto.OpDelete}
		if len(res) != len(wantOps) {
			t.Fatalf("%d results", len(res))
		}
		for i, r := range res {
			if r.Op != wantOps[i] || r.Err != proto.ErrOK {
				t.Errorf("result %d: %v %v", i, r.Op, r.Err)
			}
		}
		if res[0].Resp.(*proto.CreateResponse).Path != "/g/m" || res[1].Resp.(*proto.CreateResponse).Path != "/g/m2" {
			t.Errorf("paths %+v %+v", res[0].Resp, res[1].Resp)
		}
		if s := res[2].Resp.(*proto.SetDataResponse).Stat; s.Version != 1 || s.DataLength != 1 {
			t.Errorf("setData stat %+v", s)
		}
		if res[3].Resp != nil || res[4].Resp != nil {
			t.Errorf("check/delete bodies %v %v", res[3].Resp, res[4].Resp)
		}
	},
	"multi failed": func(t *testing.T, h *proto.ReplyHeader, body proto.Record) {
		if h.Err != proto.ErrOK {
			t.Errorf("reply header err %v: a failed multi still has err 0", h.Err)
		}
		res := body.(*proto.MultiResponse).Results
		want := []proto.Code{proto.ErrOK, proto.ErrNodeExists, proto.ErrRuntimeInconsistency}
		if len(res) != 3 {
			t.Fatalf("%d results", len(res))
		}
		for i, r := range res {
			if r.Op != proto.OpError || r.Err != want[i] {
				t.Errorf("result %d: %v %v", i, r.Op, r.Err)
			}
		}
	},
	"multiRead": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		res := body.(*proto.MultiResponse).Results
		if len(res) != 3 {
			t.Fatalf("%d results", len(res))
		}
		if r := res[0].Resp.(*proto.GetDataResponse); res[0].Op != proto.OpGetData || string(r.Data) != "x" {
			t.Errorf("getData %+v", res[0])
		}
		if r := res[1].Resp.(*proto.GetChildrenResponse); res[1].Op != proto.OpGetChildren || len(r.Children) != 2 {
			t.Errorf("getChildren %+v", r)
		}
		if res[2].Op != proto.OpError || res[2].Err != proto.ErrNoNode {
			t.Errorf("missing node %+v", res[2])
		}
	},
	"multi empty": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		if res := body.(*proto.MultiResponse).Results; res != nil {
			t.Errorf("%+v", res)
		}
	},
	"addWatch": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		if body.(*proto.ErrorResponse).Err != proto.ErrOK {
			t.Errorf("%+v", body)
		}
	},
	"getEphemerals": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		if d := diff.Diff([]string{"/g/s-0000000000"}, body.(*proto.GetEphemeralsResponse).Ephemerals); d != "" {
			t.Error(d)
		}
	},
	"getAllChildrenNumber": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		if n := body.(*proto.GetAllChildrenNumberResponse).TotalNumber; n != 2 {
			t.Errorf("%d", n)
		}
	},
	"whoAmI": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		want := []proto.ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}}
		if d := diff.Diff(want, body.(*proto.WhoAmIResponse).ClientInfo); d != "" {
			t.Error(d)
		}
	},
	"createContainer": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		r := body.(*proto.Create2Response)
		if r.Path != "/c" || r.Stat.EphemeralOwner != 0 {
			t.Errorf("%+v", r)
		}
	},
	"createTTL": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		r := body.(*proto.Create2Response)
		if r.Path != "/t" || r.Stat.EphemeralOwner != 0 || r.Stat.DataLength != 1 {
			t.Errorf("%+v", r)
		}
	},
	"multi container ttl": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		res := body.(*proto.MultiResponse).Results
		// createContainer and createTTL inside a multi answer as create2.
		if len(res) != 2 || res[0].Op != proto.OpCreate2 || res[1].Op != proto.OpCreate2 {
			t.Fatalf("%+v", res)
		}
		if p := res[1].Resp.(*proto.Create2Response).Path; p != "/t2-0000000004" {
			t.Errorf("sequential TTL path %q", p)
		}
	},
	"checkWatches": func(t *testing.T, h *proto.ReplyHeader, _ proto.Record) {
		if h.Err != proto.ErrNoWatcher {
			t.Errorf("err %v", h.Err)
		}
	},
	"delete nonode": func(t *testing.T, h *proto.ReplyHeader, _ proto.Record) {
		if h.Err != proto.ErrNoNode {
			t.Errorf("err %v", h.Err)
		}
	},
	"ping": func(t *testing.T, h *proto.ReplyHeader, _ proto.Record) {
		if h.Xid != proto.XidPing {
			t.Errorf("%+v", h)
		}
	},
	"auth": func(t *testing.T, h *proto.ReplyHeader, _ proto.Record) {
		if *h != (proto.ReplyHeader{Xid: proto.XidAuth}) {
			t.Errorf("%+v", h)
		}
	},
	"setWatches notification": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		// /g changed after relativeZxid 1: a catch-up event, before the reply.
		if ev := body.(*proto.WatcherEvent); ev.Type != proto.EventNodeDataChanged || ev.Path != "/g" {
			t.Errorf("%+v", ev)
		}
	},
	"setWatches": func(t *testing.T, h *proto.ReplyHeader, _ proto.Record) {
		if h.Xid != proto.XidSetWatches || h.Err != 0 {
			t.Errorf("%+v", h)
		}
	},
	"whoAmI after auth": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		want := []proto.ClientInfo{{AuthScheme: "digest", User: "user"}, {AuthScheme: "ip", User: "127.0.0.1"}}
		if d := diff.Diff(want, body.(*proto.WhoAmIResponse).ClientInfo); d != "" {
			t.Error(d)
		}
	},
	"closeSession notification": func(t *testing.T, _ *proto.ReplyHeader, body proto.Record) {
		// The session's ephemeral /g/s-0000000000 goes; /g has a persistent watch.
		if ev := body.(*proto.WatcherEvent); ev.Type != proto.EventNodeChildrenChanged || ev.Path != "/g" {
			t.Errorf("%+v", ev)
		}
	},
}

// payload checks a frame's length prefix and returns what follows it.
func payload(t *testing.T, f []byte) []byte {
	t.Helper()
	if len(f) < 4 || int(binary.BigEndian.Uint32(f)) != len(f)-4 {
		t.Fatalf("bad frame length in % x", f)
	}
	return f[4:]
}

func TestServerCaptures(t *testing.T) {
	caps := serverCaptures()
	seen := map[string]bool{}
	for _, c := range caps {
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			if c.req != "" {
				checkCapturedRequest(t, c)
			}
			checkCapturedReply(t, c)
		})
	}
	for name := range serverChecks {
		if !seen[name] {
			t.Errorf("check %q has no capture", name)
		}
	}
}

// checkCapturedRequest decodes a request frame and re-encodes it.
func checkCapturedRequest(t *testing.T, c serverCapture) {
	want := unhex(t, c.req)
	p := payload(t, want)
	if c.op == opConnect {
		var req proto.ConnectRequest
		if err := proto.Unmarshal(p, &req); err != nil {
			t.Fatal(err)
		}
		// An old client omits the readOnly byte; we always write it.
		if got := proto.Marshal(&req); !bytes.Equal(got[:len(p)], p) || len(got)-len(p) > 1 {
			t.Fatalf("re-encoded % x\nwant % x", got, p)
		}
		return
	}
	r := jute.NewReader(p)
	var h proto.RequestHeader
	h.Decode(r)
	if h.Type != c.op {
		t.Fatalf("opcode %v, want %v", h.Type, c.op)
	}
	recs := []proto.Record{&h}
	if body := proto.NewRequest(h.Type); body != nil {
		body.Decode(r)
		recs = append(recs, body)
	}
	if r.Err() != nil || r.Len() != 0 {
		t.Fatalf("decode: err %v, %d bytes left", r.Err(), r.Len())
	}
	if got := frame(recs...); !bytes.Equal(got, want) {
		t.Fatalf("re-encoded\n got % x\nwant % x", got, want)
	}
}

// checkCapturedReply decodes a reply frame as conn would (header, then the
// body for the request's opcode unless err != 0), checks what it means and
// re-encodes it.
func checkCapturedReply(t *testing.T, c serverCapture) {
	want := unhex(t, c.reply)
	p := payload(t, want)
	check := serverChecks[c.name]
	if c.op == opConnect {
		var resp proto.ConnectResponse
		if err := proto.Unmarshal(p, &resp); err != nil {
			t.Fatal(err)
		}
		if check != nil {
			check(t, nil, &resp)
		}
		if got := proto.Marshal(&resp); !bytes.Equal(got[:len(p)], p) || len(got)-len(p) > 1 {
			t.Fatalf("re-encoded % x\nwant % x", got, p)
		}
		return
	}
	r := jute.NewReader(p)
	var h proto.ReplyHeader
	h.Decode(r)
	recs := []proto.Record{&h}
	var body proto.Record
	if h.Err == proto.ErrOK {
		body = proto.NewResponse(c.op)
	}
	if body != nil {
		body.Decode(r)
		recs = append(recs, body)
	}
	if r.Err() != nil || r.Len() != 0 {
		t.Fatalf("decode: err %v, %d bytes left", r.Err(), r.Len())
	}
	if c.req != "" {
		if xid := int32(binary.BigEndian.Uint32(unhex(t, c.req)[4:])); h.Xid != xid {
			t.Errorf("reply xid %d, request xid %d", h.Xid, xid)
		}
	}
	if check != nil {
		check(t, &h, body)
	}
	if got := frame(recs...); !bytes.Equal(got, want) {
		t.Fatalf("re-encoded\n got % x\nwant % x", got, want)
	}
}
