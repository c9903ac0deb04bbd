package discovery_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/discovery"
)

// BenchmarkDiscovererStart loads a service of 10,000 instances: one op is
// one Discoverer started (its TreeCache bootstrap) and its instances read.
//
//	go test -run '^$' -bench DiscovererStart -benchtime 5x ./recipes/discovery
func BenchmarkDiscovererStart(b *testing.B) {
	const n = 10000
	ctx := ctxFor(b, 5*time.Minute)
	c := connect(b)
	name := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	batch := c.NewBatch()
	batch.Create(discovery.DefaultBasePath, nil, zk.Persistent, zk.WorldACL(zk.PermAll))
	batch.Create(discovery.DefaultBasePath+"/"+name, nil, zk.Persistent, zk.WorldACL(zk.PermAll))
	for i := range n {
		id := fmt.Sprintf("i%05d", i)
		data, err := json.Marshal(discovery.Instance{ID: id, Name: name, Address: "10.0.0.1", Port: 8080})
		if err != nil {
			b.Fatal(err)
		}
		batch.Create(discovery.DefaultBasePath+"/"+name+"/"+id, data, zk.Persistent, zk.WorldACL(zk.PermAll))
	}
	res, err := batch.Wait(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range res[2:] {
		if r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	b.ResetTimer()
	for range b.N {
		d, err := discovery.NewDiscoverer(c, name)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.Start(ctx); err != nil {
			b.Fatal(err)
		}
		if got := len(d.Instances()); got != n {
			b.Fatalf("%d instances, want %d", got, n)
		}
		d.Close()
	}
}
