package discovery_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/discovery"
)

func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// WithNewSessionOnExpiry: registrations are put back after expiry.
	c, err := zk.Connect(ctx, []string{srv.Addr()}, zk.WithNewSessionOnExpiry())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	reg, err := discovery.NewRegistry(c)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer reg.Close() // deletes the nodes
	for i, load := range []float64{0.7, 0.2} {
		in := discovery.Instance{ID: fmt.Sprintf("api-%d", i), Name: "example-api", Address: "10.0.0.1", Port: 8080 + i, Load: load}
		if err := reg.Register(ctx, in); err != nil {
			fmt.Println(err)
			return
		}
	}

	d, err := discovery.NewDiscoverer(c, "example-api", discovery.WithBalancer(discovery.LeastLoaded()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	if err := d.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	in, _ := d.Pick() // from memory
	fmt.Println(in.ID, in.Port)

	// api-1 gets busy; the discoverer follows.
	if err := reg.Update(ctx, discovery.Instance{ID: "api-1", Name: "example-api", Address: "10.0.0.1", Port: 8081, Load: 0.9}); err != nil {
		fmt.Println(err)
		return
	}
	d.WaitFor(ctx, func(ins []discovery.Instance) bool { return len(ins) == 2 && ins[1].Load == 0.9 })
	in, _ = d.Pick()
	fmt.Println(in.ID, in.Port)
	// Output:
	// api-1 8081
	// api-0 8080
}

func ExampleRoundRobin() {
	b := discovery.RoundRobin()
	ins := []discovery.Instance{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	for range 4 {
		fmt.Print(b.Pick(ins).ID, " ")
	}
	fmt.Println()
	// Output: a b c a
}
