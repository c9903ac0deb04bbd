package bench

import (
	"strconv"
	"testing"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// The codec benchmarks encode into a reused buffer and decode into reused
// records, as the client's hot path does.

func BenchmarkEncodeGetDataRequest(b *testing.B) {
	b.ReportAllocs()
	req := proto.GetDataRequest{Path: "/zkbench/get-1024", Watch: true}
	hdr := proto.RequestHeader{Xid: 7, Type: proto.OpGetData}
	buf := make([]byte, 0, 128)
	for i := 0; i < b.N; i++ {
		f, start := jute.BeginFrame(buf[:0])
		f = hdr.AppendTo(f)
		f = req.AppendTo(f)
		jute.EndFrame(f, start)
	}
}

func getDataReply(size int) []byte {
	resp := proto.GetDataResponse{Data: make([]byte, size), Stat: proto.Stat{Czxid: 1, Mzxid: 2, Version: 3, DataLength: int32(size)}}
	return resp.AppendTo(nil)
}

func BenchmarkDecodeGetDataResponse(b *testing.B) {
	b.ReportAllocs()
	frame := getDataReply(1024)
	var (
		r    jute.Reader
		resp proto.GetDataResponse
	)
	for i := 0; i < b.N; i++ {
		r.Reset(frame)
		resp.Decode(&r)
		if r.Err() != nil || len(resp.Data) != 1024 {
			b.Fatal(r.Err())
		}
	}
}

func multiOfSets(n int) *proto.MultiRequest {
	m := &proto.MultiRequest{Ops: make([]proto.MultiOp, n)}
	for i := range m.Ops {
		m.Ops[i] = proto.MultiOp{Op: proto.OpSetData, Req: &proto.SetDataRequest{Path: "/zkbench/multi/" + strconv.Itoa(i), Data: make([]byte, 100), Version: -1}}
	}
	return m
}

func BenchmarkEncodeMulti10Sets(b *testing.B) {
	b.ReportAllocs()
	m := multiOfSets(10)
	buf := make([]byte, 0, 4096)
	for i := 0; i < b.N; i++ {
		buf = m.AppendTo(buf[:0])
	}
}

func BenchmarkDecodeMulti10SetsRequest(b *testing.B) {
	b.ReportAllocs()
	frame := multiOfSets(10).AppendTo(nil)
	var (
		r jute.Reader
		m proto.MultiRequest
	)
	for i := 0; i < b.N; i++ {
		r.Reset(frame)
		m.Decode(&r)
		if r.Err() != nil || len(m.Ops) != 10 {
			b.Fatal(r.Err())
		}
	}
}

func BenchmarkDecodeMulti10SetsResponse(b *testing.B) {
	b.ReportAllocs()
	resp := proto.MultiResponse{Results: make([]proto.MultiResult, 10)}
	for i := range resp.Results {
		resp.Results[i] = proto.MultiResult{Op: proto.OpSetData, Resp: &proto.SetDataResponse{Stat: proto.Stat{Version: int32(i)}}}
	}
	frame := resp.AppendTo(nil)
	var (
		r jute.Reader
		m proto.MultiResponse
	)
	for i := 0; i < b.N; i++ {
		r.Reset(frame)
		m.Decode(&r)
		if r.Err() != nil || len(m.Results) != 10 {
			b.Fatal(r.Err())
		}
	}
}

func BenchmarkDecodeGetChildren2Response1000(b *testing.B) {
	b.ReportAllocs()
	resp := proto.GetChildren2Response{Children: make([]string, 1000)}
	for i := range resp.Children {
		resp.Children[i] = "member-" + strconv.Itoa(1000000+i)
	}
	frame := resp.AppendTo(nil)
	var (
		r jute.Reader
		m proto.GetChildren2Response
	)
	for i := 0; i < b.N; i++ {
		r.Reset(frame)
		m.Decode(&r)
		if r.Err() != nil || len(m.Children) != 1000 {
			b.Fatal(r.Err())
		}
	}
}

func BenchmarkEncodeWatcherEvent(b *testing.B) {
	b.ReportAllocs()
	ev := proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/zkbench/watch-100000/12345"}
	buf := make([]byte, 0, 128)
	for i := 0; i < b.N; i++ {
		buf = ev.AppendTo(buf[:0])
	}
}

func BenchmarkDecodeWatcherEvent(b *testing.B) {
	b.ReportAllocs()
	frame := (&proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/zkbench/watch-100000/12345"}).AppendTo(nil)
	var (
		r  jute.Reader
		ev proto.WatcherEvent
	)
	for i := 0; i < b.N; i++ {
		r.Reset(frame)
		ev.Decode(&r)
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
	}
}
