package bench

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// The client benchmarks run the hot path against the package's real
// server: allocations per op include the reply frame the receive loop
// allocates.

func benchClient(b *testing.B, size int) (*zk.Client, string) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, srv.Addrs(), zk.WithSessionTimeout(sessionTimeout))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	path := "/bench-client"
	if _, err := c.Create(ctx, path, nil, zk.Persistent, openACL); err != nil && !isExists(err) {
		b.Fatal(err)
	}
	if _, err := c.Set(ctx, path, make([]byte, size), -1); err != nil {
		b.Fatal(err)
	}
	return c, path
}

func isExists(err error) bool { return err != nil && errors.Is(err, zk.ErrNodeExists) }

func BenchmarkClientGet(b *testing.B) {
	c, path := benchClient(b, 1024)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := c.Get(ctx, path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClientGetParallel(b *testing.B) {
	c, path := benchClient(b, 1024)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(32) // 64 in flight on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := c.Get(ctx, path); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkClientSet(b *testing.B) {
	c, path := benchClient(b, 0)
	ctx := context.Background()
	val := make([]byte, 1024)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.Set(ctx, path, val, -1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientCreateDelete is the create-del workload's pair of calls:
// [3/5] asks for at most one allocation each.
func BenchmarkClientCreateDelete(b *testing.B) {
	c, path := benchClient(b, 0)
	ctx := context.Background()
	node := path + "-child"
	acl := zk.WorldACL(zk.PermAll)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.Create(ctx, node, nil, zk.Persistent, acl); err != nil {
			b.Fatal(err)
		}
		if err := c.Delete(ctx, node, -1); err != nil {
			b.Fatal(err)
		}
	}
}
