package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/sessiontest"
	"github.com/zkwire/zk/recipes/node"
)

// StateLost with the session alive, for a protected ephemeral sequential
// node, twice over: Lost closes at each StateLost; once the client is back
// on the same session the same node is announced again (no second node),
// and Lost is open.
func TestAttackPersistentStateLostThenAlive(t *testing.T) {
	ctx := ctxFor(t, time.Minute)
	c := cutClient{sessiontest.New(connect(t, ""))}
	obs := connect(t, "")
	dir := testPath(t)
	if _, err := obs.Create(ctx, dir, nil, zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	p := startNode(t, c, dir+"/m-", "x", zk.EphemeralSequential, node.WithProtection())
	first := nextCreated(t, p, 10*time.Second)
	for round := 0; round < 2; round++ {
		c.CutOff.Set(true)
		select {
		case <-p.Lost():
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: Lost not closed on StateLost", round)
		}
		c.CutOff.Set(false)
		if again := nextCreated(t, p, 10*time.Second); again != first {
			t.Fatalf("round %d: announced %s, want the same node %s", round, again, first)
		}
		// Lost may close once more right after an announcement (see the
		// review report: the session follower and the keeper run apart);
		// it must end open.
		deadline := time.Now().Add(10 * time.Second)
		for isClosed(p.Lost()) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: Lost still closed 10 s after the node was back", round)
			}
			select {
			case again := <-p.Created():
				if again != first {
					t.Fatalf("round %d: announced %s, want the same node %s", round, again, first)
				}
			case <-time.After(100 * time.Millisecond):
			}
		}
		kids, _, err := obs.Children(ctx, dir)
		if err != nil || len(kids) != 1 {
			t.Fatalf("round %d: nodes %v (%v), want one", round, kids, err)
		}
	}
}

// cutClient is a sessiontest.CutOff whose Set is the client's again.
type cutClient struct{ *sessiontest.CutOff }

func (c cutClient) Set(ctx context.Context, path string, data []byte, version int32) (*zk.Stat, error) {
	return c.CutOff.Client.Set(ctx, path, data, version)
}
