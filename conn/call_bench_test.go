package conn

import (
	"context"
	"testing"

	"github.com/zkwire/zk/proto"
)

// Allocations per request against the package's real server, with the
// call and its records in one allocation as the root package builds them:
// Do itself should add nothing but what a reply keeps (getData's data).
// Run: go test -run '^$' -bench Do -benchmem ./conn

func benchConn(b *testing.B) (*Conn, string) {
	b.Helper()
	c, err := Dial(context.Background(), Config{Servers: []string{srv.Addr()}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	path := "/bench-do"
	if err := create(context.Background(), c, path, make([]byte, 1024), nil); err != nil && err != proto.ErrNodeExists {
		b.Fatal(err)
	}
	return c, path
}

func BenchmarkDoGet(b *testing.B) {
	c, path := benchConn(b)
	ctx := context.Background()
	type op struct {
		call Call
		req  proto.GetDataRequest
		resp proto.GetDataResponse
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		o := &op{req: proto.GetDataRequest{Path: path}}
		o.call = Call{Op: proto.OpGetData, Req: &o.req, Resp: &o.resp}
		if err := c.Do(ctx, &o.call); err != nil || len(o.resp.Data) != 1024 {
			b.Fatal(err, len(o.resp.Data))
		}
	}
}

func BenchmarkDoSet(b *testing.B) {
	c, path := benchConn(b)
	ctx := context.Background()
	val := make([]byte, 1024)
	type op struct {
		call Call
		req  proto.SetDataRequest
		resp proto.SetDataResponse
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		o := &op{req: proto.SetDataRequest{Path: path, Data: val, Version: -1}}
		o.call = Call{Op: proto.OpSetData, Req: &o.req, Resp: &o.resp}
		if err := c.Do(ctx, &o.call); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDoExists(b *testing.B) {
	c, path := benchConn(b)
	ctx := context.Background()
	type op struct {
		call Call
		req  proto.ExistsRequest
		resp proto.ExistsResponse
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		o := &op{req: proto.ExistsRequest{Path: path}}
		o.call = Call{Op: proto.OpExists, Req: &o.req, Resp: &o.resp}
		if err := c.Do(ctx, &o.call); err != nil {
			b.Fatal(err)
		}
	}
}

// Delete of a missing node: the reply is an error code, no body.
func BenchmarkDoDeleteMissing(b *testing.B) {
	c, path := benchConn(b)
	ctx := context.Background()
	type op struct {
		call Call
		req  proto.DeleteRequest
	}
	missing := path + "-missing"
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		o := &op{req: proto.DeleteRequest{Path: missing, Version: -1}}
		o.call = Call{Op: proto.OpDelete, Req: &o.req}
		if err := c.Do(ctx, &o.call); err != proto.ErrNoNode {
			b.Fatal(err)
		}
	}
}
