package proto_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/zkwire/zk/internal/diff"
	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// optionalTail reports whether rec may legitimately decode without its
// last byte: the hand-written readOnly flag of the handshake records.
func optionalTail(rec proto.Record) bool {
	switch rec.(type) {
	case *proto.ConnectRequest, *proto.ConnectResponse:
		return true
	}
	return false
}

// TestPrefixesFail decodes every strict prefix of every record's encoding:
// each must fail cleanly (no panic), except the handshake records without
// their optional readOnly byte.
func TestPrefixesFail(t *testing.T) {
	for _, tc := range roundTripCases() {
		enc := proto.Marshal(tc.in)
		for n := 0; n < len(enc); n++ {
			err := proto.Unmarshal(enc[:n], tc.fresh())
			if err == nil && !(n == len(enc)-1 && optionalTail(tc.in)) {
				t.Errorf("%s: %d-byte prefix of %d decoded without error", tc.name, n, len(enc))
			}
		}
	}
}

// TestServerReplyPrefixesFail does the same for the bodies a real server
// sent.
func TestServerReplyPrefixesFail(t *testing.T) {
	for _, c := range serverCaptures() {
		if c.op == opConnect {
			continue
		}
		p := unhex(t, c.reply)[4:]
		h := proto.ReplyHeader{}
		if err := proto.Unmarshal(p, &h); err != nil {
			t.Fatal(err)
		}
		body := p[proto.ReplyHeaderSize:]
		if h.Err != 0 || len(body) == 0 {
			continue
		}
		for n := 0; n < len(body); n++ {
			if err := proto.Unmarshal(body[:n], proto.NewResponse(c.op)); err == nil {
				t.Errorf("%s: %d-byte prefix of %d decoded", c.name, n, len(body))
			}
		}
	}
}

// TestHugeLengths feeds a 0x7fffffff count or length where each record
// has a vector, buffer or string, followed by 4 KiB of zeros. Decoding must
// fail with a length error and allocate next to nothing.
func TestHugeLengths(t *testing.T) {
	huge := "7fffffff"
	pad := make([]byte, 4096)
	cases := []struct {
		name   string
		prefix string // hex before the huge length
		fresh  func() proto.Record
	}{
		{"GetChildrenResponse", "", func() proto.Record { return &proto.GetChildrenResponse{} }},
		{"GetChildren2Response", "", func() proto.Record { return &proto.GetChildren2Response{} }},
		{"GetACLResponse", "", func() proto.Record { return &proto.GetACLResponse{} }},
		{"GetEphemeralsResponse", "", func() proto.Record { return &proto.GetEphemeralsResponse{} }},
		{"WhoAmIResponse", "", func() proto.Record { return &proto.WhoAmIResponse{} }},
		{"GetDataResponse", "", func() proto.Record { return &proto.GetDataResponse{} }},
		{"CreateResponse", "", func() proto.Record { return &proto.CreateResponse{} }},
		{"Create2Response", "", func() proto.Record { return &proto.Create2Response{} }},
		{"SyncResponse", "", func() proto.Record { return &proto.SyncResponse{} }},
		{"SetSASLResponse", "", func() proto.Record { return &proto.SetSASLResponse{} }},
		{"WatcherEvent", "00000001 00000003", func() proto.Record { return &proto.WatcherEvent{} }},
		{"ConnectResponse passwd", "00000000 00002710 0100000000000000", func() proto.Record { return &proto.ConnectResponse{} }},
		{"SetWatches", "0000000000000001", func() proto.Record { return &proto.SetWatches{} }},
		{"SetWatches2 recursive", "0000000000000001 ffffffff ffffffff ffffffff ffffffff", func() proto.Record { return &proto.SetWatches2{} }},
		{"CreateRequest acl", "00000000 ffffffff", func() proto.Record { return &proto.CreateRequest{} }},
		{"SetACLRequest acl", "00000000", func() proto.Record { return &proto.SetACLRequest{} }},
		{"MultiResponse getChildren", "00000008 00 00000000", func() proto.Record { return &proto.MultiResponse{} }},
		{"MultiRequest create path", "00000001 00 ffffffff", func() proto.Record { return &proto.MultiRequest{} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := append(unhex(t, tc.prefix+huge), pad...)
			var le *jute.LengthError
			if err := proto.Unmarshal(in, tc.fresh()); !errors.As(err, &le) {
				t.Fatalf("err = %v, want a *jute.LengthError", err)
			}
			const runs = 100
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range runs {
				_ = proto.Unmarshal(in, tc.fresh())
			}
			runtime.ReadMemStats(&after)
			if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 1024 {
				t.Fatalf("%d bytes allocated per decode", per)
			}
		})
	}
}

// TestLargeValidCountBounded checks that a count the input can just hold
// costs memory in proportion to the input, not to the count.
func TestLargeValidCountBounded(t *testing.T) {
	const n = 16384 // empty strings, 4 bytes each
	in := jute.AppendVectorLen(nil, n)
	in = append(in, make([]byte, 4*n)...)
	var resp proto.GetChildrenResponse
	if err := proto.Unmarshal(in, &resp); err != nil || len(resp.Children) != n {
		t.Fatalf("%d children, err %v", len(resp.Children), err)
	}
	allocs := testing.AllocsPerRun(10, func() {
		var resp proto.GetChildrenResponse
		_ = proto.Unmarshal(in, &resp)
	})
	if allocs > 3 {
		t.Fatalf("%v allocations for one vector of empty strings", allocs)
	}
}

// TestRandomInput decodes random bytes and mutated valid encodings into
// every record: no panic, and whatever decodes re-encodes to something
// that decodes to the same value.
func TestRandomInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := roundTripCases()
	iters := 300
	if testing.Short() {
		iters = 30
	}
	for _, tc := range cases {
		valid := proto.Marshal(tc.in)
		for i := 0; i < iters; i++ {
			var in []byte
			if i%2 == 0 {
				in = make([]byte, rng.IntN(96))
				for j := range in {
					in[j] = byte(rng.UintN(256))
				}
			} else {
				in = bytes.Clone(valid)
				for range 1 + rng.IntN(3) {
					if len(in) == 0 {
						break
					}
					in[rng.IntN(len(in))] = byte(rng.UintN(256))
				}
				in = in[:rng.IntN(len(in)+1)]
			}
			first := tc.fresh()
			if proto.Unmarshal(in, first) != nil {
				continue
			}
			enc := proto.Marshal(first)
			second := tc.fresh()
			if err := proto.Unmarshal(enc, second); err != nil {
				t.Fatalf("%s: re-encoding of decoded % x does not decode: %v", tc.name, in, err)
			}
			if d := diff.Diff(first, second); d != "" {
				t.Fatalf("%s: decode→encode→decode unstable for % x:\n%s", tc.name, in, d)
			}
		}
	}
}
