package node_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/sessiontest"
)

// gated holds back the events of its second SessionEvents subscription
// (the keeper's session follower) until release is closed, so the test can
// deliver them late, as a busy machine may.
type gated struct {
	cutClient
	n       atomic.Int32
	release chan struct{}
}

func (g *gated) SessionEvents(ctx context.Context) <-chan zk.SessionEvent {
	ch := g.cutClient.SessionEvents(ctx)
	if g.n.Add(1) != 2 {
		return ch
	}
	out := make(chan zk.SessionEvent, 16)
	go func() {
		defer close(out)
		select {
		case <-g.release:
		case <-ctx.Done():
			return
		}
		for ev := range ch {
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// A StateLost read only after the client is back on the same session (the
// node confirmed in place meanwhile) is stale: it must not close Lost and
// make the node flap (Lost, then Created again).
func TestAttackPersistentStaleStateLost(t *testing.T) {
	g := &gated{cutClient: cutClient{sessiontest.New(connect(t, ""))}, release: make(chan struct{})}
	path := testPath(t)
	p := startNode(t, g, path, "x", zk.Ephemeral)
	nextCreated(t, p, 10*time.Second)
	g.CutOff.Set(true)
	nextCreated(t, p, 10*time.Second) // the keeper re-confirmed it: the session answers
	g.CutOff.Set(false)
	lost := p.Lost()
	if isClosed(lost) {
		t.Fatal("Lost closed with the node confirmed in place")
	}
	close(g.release) // the follower now reads StateLost, then Connected
	select {
	case <-lost:
		t.Fatal("a stale StateLost closed Lost while the node is in place on a live session")
	case <-time.After(2 * time.Second):
	}
}
