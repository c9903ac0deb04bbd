package proto_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/zkwire/zk/internal/diff"
	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// unhex decodes hex with optional spaces and <n zero bytes> style padding
// left out; it fails the test on bad input.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// frame wraps the encodings of recs in a length-prefixed frame, the way
// conn does (reserve, append, backfill).
func frame(recs ...proto.Record) []byte {
	b, start := jute.BeginFrame(nil)
	for _, r := range recs {
		b = r.AppendTo(b)
	}
	jute.EndFrame(b, start)
	return b
}

// protocol.md §2.1: a new session, 10 s, readOnly false, 49 bytes.
func TestGoldenConnectRequestFrame(t *testing.T) {
	want := unhex(t, `0000002d 00000000 0000000000000000 00002710 0000000000000000
		00000010 00000000000000000000000000000000 00`)
	req := &proto.ConnectRequest{TimeOut: 10000, Passwd: make([]byte, 16)}
	got := frame(req)
	if !bytes.Equal(got, want) {
		t.Fatalf("got  % x\nwant % x", got, want)
	}
	if len(got) != 49 || len(got)-4 != 45 {
		t.Fatalf("frame %d bytes, want 49 (payload 45)", len(got))
	}
	var back proto.ConnectRequest
	if err := proto.Unmarshal(want[4:], &back); err != nil {
		t.Fatal(err)
	}
	if d := diff.Diff(req, &back); d != "" {
		t.Fatal(d)
	}
}

// protocol.md §2.2: the 41-byte reply, with some 16-byte password.
func TestGoldenConnectResponse(t *testing.T) {
	passwd := unhex(t, "bbc556722c6491e391fa77ad553e82f8")
	b := unhex(t, "00000025 00000000 00002710 01000009b8540000 00000010 bbc556722c6491e391fa77ad553e82f8 00")
	want := &proto.ConnectResponse{TimeOut: 10000, SessionID: 0x01000009b8540000, Passwd: passwd}
	if got := frame(want); !bytes.Equal(got, b) {
		t.Fatalf("got  % x\nwant % x", got, b)
	}
	if len(b)-4 != 37 {
		t.Fatalf("payload %d, want 37", len(b)-4)
	}
	var got proto.ConnectResponse
	if err := proto.Unmarshal(b[4:], &got); err != nil {
		t.Fatal(err)
	}
	if d := diff.Diff(want, &got); d != "" {
		t.Fatal(d)
	}
	if got.SessionID>>56 != 1 {
		t.Errorf("session id high byte = %d, want the server's myid 1", got.SessionID>>56)
	}

	// A server answering an old client omits the readOnly byte: 36 bytes.
	var old proto.ConnectResponse
	if err := proto.Unmarshal(b[4:40], &old); err != nil {
		t.Fatalf("36-byte ConnectResponse: %v", err)
	}
	if d := diff.Diff(want, &old); d != "" {
		t.Fatal(d)
	}
	// And a read-only server sets it.
	var ro proto.ConnectResponse
	ronly := append(append([]byte{}, b[4:40]...), 1)
	if err := proto.Unmarshal(ronly, &ro); err != nil || !ro.ReadOnly {
		t.Fatalf("readOnly = %v, err %v", ro.ReadOnly, err)
	}
}

func TestGoldenConnectRequestOldClient(t *testing.T) {
	// 44 bytes: no readOnly byte. ReadOnly stays false even when the
	// record held true before.
	b := proto.Marshal(&proto.ConnectRequest{TimeOut: 10000, Passwd: make([]byte, 16)})
	got := proto.ConnectRequest{ReadOnly: true}
	if err := proto.Unmarshal(b[:44], &got); err != nil {
		t.Fatal(err)
	}
	if got.ReadOnly || got.TimeOut != 10000 || len(got.Passwd) != 16 {
		t.Fatalf("got %+v", got)
	}
}

// protocol.md §11 checklist.
func TestGoldenSizes(t *testing.T) {
	sizes := []struct {
		name string
		rec  proto.Record
		want int
	}{
		{"RequestHeader", &proto.RequestHeader{Xid: 1, Type: proto.OpCreate}, 8},
		{"ReplyHeader", &proto.ReplyHeader{Xid: 1, Zxid: 2, Err: 0}, proto.ReplyHeaderSize},
		{"ReplyHeader", &proto.ReplyHeader{}, 16},
		{"Stat", &proto.Stat{}, proto.StatSize},
		{"Stat", &stat, 68},
		{"ConnectRequest", &proto.ConnectRequest{Passwd: make([]byte, 16)}, 45},
		{"ConnectResponse", &proto.ConnectResponse{Passwd: make([]byte, 16)}, 37},
		{"MultiHeader", &proto.MultiHeader{}, 9},
		{"ErrorResponse", &proto.ErrorResponse{}, 4},
	}
	for _, s := range sizes {
		if got := len(proto.Marshal(s.rec)); got != s.want {
			t.Errorf("%s: %d bytes, want %d", s.name, got, s.want)
		}
	}
}

func TestGoldenNotification(t *testing.T) {
	// 3.6–3.8: xid -1, zxid -1, err 0, then the WatcherEvent.
	want := unhex(t, "ffffffff ffffffffffffffff 00000000  00000003 00000003 00000002 2f67")
	hdr := &proto.ReplyHeader{Xid: proto.XidNotification, Zxid: -1}
	ev := &proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/g"}
	if got := proto.Marshal(hdr); !bytes.Equal(got, want[:16]) {
		t.Fatalf("header % x", got)
	}
	if got := ev.AppendTo(hdr.AppendTo(nil)); !bytes.Equal(got, want) {
		t.Fatalf("got  % x\nwant % x", got, want)
	}
	r := jute.NewReader(want)
	var h proto.ReplyHeader
	var e proto.WatcherEvent
	h.Decode(r)
	e.Decode(r)
	if r.Err() != nil || r.Len() != 0 || h != *hdr || e != *ev {
		t.Fatalf("decoded %+v %+v err %v", h, e, r.Err())
	}
}

func TestGoldenPingReply(t *testing.T) {
	want := unhex(t, "fffffffe 000000000000000c 00000000")
	if got := proto.Marshal(&proto.ReplyHeader{Xid: proto.XidPing, Zxid: 12}); !bytes.Equal(got, want) {
		t.Fatalf("got % x", got)
	}
	if got := proto.Marshal(&proto.RequestHeader{Xid: proto.XidPing, Type: proto.OpPing}); !bytes.Equal(got, unhex(t, "fffffffe 0000000b")) {
		t.Fatalf("ping request % x", got)
	}
}

func TestGoldenEmptyMulti(t *testing.T) {
	want := unhex(t, "ffffffff 01 ffffffff")
	if got := proto.Marshal(&proto.MultiResponse{}); !bytes.Equal(got, want) {
		t.Fatalf("response % x", got)
	}
	if got := proto.Marshal(&proto.MultiRequest{}); !bytes.Equal(got, want) {
		t.Fatalf("request % x", got)
	}
	var resp proto.MultiResponse
	if err := proto.Unmarshal(want, &resp); err != nil || resp.Results != nil {
		t.Fatalf("results %v err %v", resp.Results, err)
	}
}

func TestGoldenAddWatchReply(t *testing.T) {
	want := unhex(t, "00000000")
	if got := proto.Marshal(&proto.ErrorResponse{}); !bytes.Equal(got, want) {
		t.Fatalf("got % x", got)
	}
	resp := proto.NewResponse(proto.OpAddWatch)
	if err := proto.Unmarshal(want, resp); err != nil || resp.(*proto.ErrorResponse).Err != proto.ErrOK {
		t.Fatalf("%+v %v", resp, err)
	}
}

// TestGoldenFailedMulti decodes the reply of a multi whose second op
// failed, laid out as protocol.md §5.6 describes.
func TestGoldenFailedMulti(t *testing.T) {
	b := unhex(t, `
		ffffffff 00 00000000 00000000
		ffffffff 00 ffffff92 ffffff92
		ffffffff 00 fffffffe fffffffe
		ffffffff 01 ffffffff`)
	var resp proto.MultiResponse
	if err := proto.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	want := []proto.Code{proto.ErrOK, proto.ErrNodeExists, proto.ErrRuntimeInconsistency}
	if len(resp.Results) != len(want) {
		t.Fatalf("%d results", len(resp.Results))
	}
	for i, res := range resp.Results {
		if res.Op != proto.OpError || res.Err != want[i] {
			t.Errorf("result %d: op %v err %v, want error %v", i, res.Op, res.Err, want[i])
		}
		if er, ok := res.Resp.(*proto.ErrorResponse); !ok || er.Err != want[i] {
			t.Errorf("result %d: body %#v", i, res.Resp)
		}
	}
	if got := proto.Marshal(failedMultiResponse()); !bytes.Equal(got, b) {
		t.Fatalf("encode\n got % x\nwant % x", got, b)
	}
}
