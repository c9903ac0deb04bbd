package discovery_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/recipes/discovery"
	"github.com/zkwire/zk/recipes/internal/sessiontest"
)

// StateLost with the session alive, twice over: Lost closes at each
// StateLost and is open again once the client is back on the same
// session, with the one original node registered throughout.
func TestAttackRegistryStateLostThenAlive(t *testing.T) {
	ctx := ctxFor(t, time.Minute)
	name := testService(t)
	c := cutClient{sessiontest.New(connect(t))}
	r, err := discovery.NewRegistry(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if err := r.Register(ctx, inst(name, "a")); err != nil {
		t.Fatal(err)
	}
	d := newDiscoverer(t, connect(t), name)
	for round := 0; round < 2; round++ {
		c.CutOff.Set(true)
		testenv.Eventually(t, 10*time.Second, func() error {
			l, err := r.Lost(name, "a")
			if err != nil || !isClosed(l) {
				return fmt.Errorf("round %d: Lost not closed on StateLost (%v)", round, err)
			}
			return nil
		})
		c.CutOff.Set(false)
		testenv.Eventually(t, 10*time.Second, func() error {
			l, err := r.Lost(name, "a")
			if err != nil || isClosed(l) {
				return fmt.Errorf("round %d: still lost with the session alive (%v)", round, err)
			}
			return nil
		})
		if got, err := d.WaitFor(ctx, count(1)); err != nil || len(got) != 1 || got[0].ID != "a" {
			t.Fatalf("round %d: instances %v (%v)", round, got, err)
		}
	}
}

// cutClient is a sessiontest.CutOff whose Set is the client's again.
type cutClient struct{ *sessiontest.CutOff }

func (c cutClient) Set(ctx context.Context, path string, data []byte, version int32) (*zk.Stat, error) {
	return c.CutOff.Client.Set(ctx, path, data, version)
}
