package proto_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/zkwire/zk/internal/diff"
	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

func TestMultiRequestMixed(t *testing.T) {
	in := mixedMulti()
	enc := proto.Marshal(in)

	// Walk the encoding by hand: header {op, false, -1} + record per op,
	// then {-1, true, -1}.
	r := jute.NewReader(enc)
	for i, op := range in.Ops {
		var h proto.MultiHeader
		h.Decode(r)
		if h != (proto.MultiHeader{Type: op.Op, Done: false, Err: -1}) {
			t.Fatalf("op %d header %+v", i, h)
		}
		rec := proto.NewRequest(op.Op)
		rec.Decode(r)
		if d := diff.Diff(op.Req, rec); d != "" {
			t.Fatalf("op %d: %s", i, d)
		}
	}
	if tail := enc[r.Offset():]; !bytes.Equal(tail, unhex(t, "ffffffff 01 ffffffff")) {
		t.Fatalf("terminator % x", tail)
	}

	var back proto.MultiRequest
	if err := proto.Unmarshal(enc, &back); err != nil {
		t.Fatal(err)
	}
	if d := diff.Diff(in, &back); d != "" {
		t.Fatal(d)
	}
	wantTypes := []string{"*proto.CreateRequest", "*proto.CreateRequest", "*proto.CreateRequest", "*proto.CreateTTLRequest",
		"*proto.SetDataRequest", "*proto.CheckVersionRequest", "*proto.DeleteRequest"}
	for i, op := range back.Ops {
		if got := fmt.Sprintf("%T", op.Req); got != wantTypes[i] {
			t.Errorf("op %d (%v) decoded as %s", i, op.Op, got)
		}
	}
}

func TestMultiDecodeErrors(t *testing.T) {
	cases := []struct {
		name string
		rec  proto.Record
		in   string
		want error // nil: any error
	}{
		{"request empty input", &proto.MultiRequest{}, "", jute.ErrShort},
		{"response empty input", &proto.MultiResponse{}, "", jute.ErrShort},
		{"request no terminator", &proto.MultiRequest{}, "00000002 00 ffffffff 00000002 2f61 ffffffff", jute.ErrShort},
		{"response no terminator", &proto.MultiResponse{}, "00000002 00 00000000 0000000d 00 00000000", jute.ErrShort},
		{"response truncated terminator", &proto.MultiResponse{}, "ffffffff 01 ffff", jute.ErrShort},
		{"request exists op", &proto.MultiRequest{}, "00000003 00 ffffffff 00000002 2f61 00 ffffffff 01 ffffffff", proto.ErrBadMultiOp},
		{"request nested multi", &proto.MultiRequest{}, "0000000e 00 ffffffff ffffffff 01 ffffffff", proto.ErrBadMultiOp},
		{"request error type", &proto.MultiRequest{}, "ffffffff 00 ffffffff", proto.ErrBadMultiOp},
		{"response unknown type", &proto.MultiResponse{}, "00000063 00 00000000 ffffffff 01 ffffffff", proto.ErrBadMultiOp},
		{"response exists type", &proto.MultiResponse{}, "00000003 00 00000000", proto.ErrBadMultiOp},
		{"response short body", &proto.MultiResponse{}, "00000001 00 00000000 00000005 2f61", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := proto.Unmarshal(unhex(t, tc.in), tc.rec)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestMultiNoTerminatorBounded: a long run of body-less results with no
// terminator ends in an error when the input does, in one pass.
func TestMultiNoTerminatorBounded(t *testing.T) {
	var in []byte
	for range 100000 {
		in = (&proto.MultiHeader{Type: proto.OpDelete}).AppendTo(in)
	}
	var resp proto.MultiResponse
	if err := proto.Unmarshal(in, &resp); !errors.Is(err, jute.ErrShort) {
		t.Fatalf("err = %v", err)
	}
	// With the terminator the same input decodes to 100000 results.
	in = (&proto.MultiHeader{Type: proto.OpError, Done: true, Err: -1}).AppendTo(in)
	if err := proto.Unmarshal(in, &resp); err != nil || len(resp.Results) != 100000 {
		t.Fatalf("%d results, err %v", len(resp.Results), err)
	}
}

// TestMultiTerminatorEndsList: like Java, any header with done set ends the
// list, and bytes after it are not read.
func TestMultiTerminatorEndsList(t *testing.T) {
	var resp proto.MultiResponse
	in := unhex(t, "00000002 00 00000000  00000005 01 00000000  deadbeef")
	if err := proto.Unmarshal(in, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != 1 || resp.Results[0].Op != proto.OpDelete || resp.Results[0].Resp != nil {
		t.Fatalf("%+v", resp.Results)
	}
}

// TestMultiErrorCodeFromBody: for an error result the code comes from the
// ErrorResponse body, as in Java's MultiResponse.deserialize.
func TestMultiErrorCodeFromBody(t *testing.T) {
	var resp proto.MultiResponse
	in := unhex(t, "ffffffff 00 00000000 ffffff9b ffffffff 01 ffffffff")
	if err := proto.Unmarshal(in, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != 1 || resp.Results[0].Err != proto.ErrNoNode {
		t.Fatalf("%+v", resp.Results)
	}
	// Encoding writes that code in both places, as Java does.
	want := unhex(t, "ffffffff 00 ffffff9b ffffff9b ffffffff 01 ffffffff")
	if got := proto.Marshal(&resp); !bytes.Equal(got, want) {
		t.Fatalf("got % x", got)
	}
	// An error result with no Resp still gets its body.
	noResp := &proto.MultiResponse{Results: []proto.MultiResult{{Op: proto.OpError, Err: proto.ErrNoNode}}}
	if got := proto.Marshal(noResp); !bytes.Equal(got, want) {
		t.Fatalf("got % x", got)
	}
}

// TestMultiReuse: decoding into a used record replaces its contents.
func TestMultiReuse(t *testing.T) {
	resp := failedMultiResponse()
	if err := proto.Unmarshal(unhex(t, "ffffffff 01 ffffffff"), resp); err != nil || resp.Results != nil {
		t.Fatalf("%+v %v", resp.Results, err)
	}
	req := mixedMulti()
	if err := proto.Unmarshal(unhex(t, "ffffffff 01 ffffffff"), req); err != nil || req.Ops != nil {
		t.Fatalf("%+v %v", req.Ops, err)
	}
}

// MaxResults stops the decoder at the first result beyond it, so a reply
// with a flood of results costs a bounded number of allocations.
func TestMultiResponseMaxResults(t *testing.T) {
	flood := &proto.MultiResponse{Results: make([]proto.MultiResult, 100_000)}
	for i := range flood.Results {
		flood.Results[i] = proto.MultiResult{Op: proto.OpCreate, Resp: &proto.CreateResponse{Path: "/n"}}
	}
	b := flood.AppendTo(nil)
	allocs := testing.AllocsPerRun(5, func() {
		resp := &proto.MultiResponse{MaxResults: 1}
		if err := proto.Unmarshal(b, resp); !errors.Is(err, proto.ErrTooManyResults) || len(resp.Results) != 1 {
			t.Fatalf("100,000 results, MaxResults 1: %v, %d results", err, len(resp.Results))
		}
	})
	if allocs > 10 {
		t.Fatalf("%v allocations to refuse the flood", allocs)
	}
	for _, tc := range []struct {
		max, n int
		ok     bool
	}{{0, 3, true}, {3, 3, true}, {3, 4, false}, {-1, 0, true}, {-1, 1, false}} {
		m := &proto.MultiResponse{Results: flood.Results[:tc.n]}
		resp := &proto.MultiResponse{MaxResults: tc.max}
		err := proto.Unmarshal(m.AppendTo(nil), resp)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, proto.ErrTooManyResults)) {
			t.Errorf("MaxResults %d, %d results: %v", tc.max, tc.n, err)
		}
		if tc.n == 0 && resp.Results != nil {
			t.Errorf("empty reply decodes as %#v", resp.Results)
		}
	}
}
