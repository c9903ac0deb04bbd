package backoff

import (
	"context"
	"fmt"
	"testing"

	"github.com/zkwire/zk"
)

func TestDelayGrowsToMax(t *testing.T) {
	for n := range 40 {
		want := Max
		if n < 16 {
			want = min(First<<n, Max)
		}
		for range 20 {
			d := delay(n)
			if d < want*3/4 || d > want*5/4 {
				t.Fatalf("delay(%d) = %v, want within [3/4, 5/4] of %v", n, d, want)
			}
		}
	}
	if delay(-1) <= 0 || delay(0) <= 0 {
		t.Fatal("delay must be positive")
	}
}

func TestCounter(t *testing.T) {
	var c Counter
	if d := c.Next(); d != 0 {
		t.Fatalf("first retry waits %v, want none", d)
	}
	if d := c.Next(); d < First*3/4 || d > First*5/4 {
		t.Fatalf("second pause %v, want about %v", d, First)
	}
	c.Next()
	if d := c.Next(); d < 4*First*3/4 || d > 4*First*5/4 {
		t.Fatalf("fourth pause %v, want about %v", d, 4*First)
	}
	c.Reset()
	if d := c.Next(); d != 0 {
		t.Fatalf("first retry after Reset waits %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var e Counter
	if e.Wait(ctx) || e.Wait(ctx) {
		t.Fatal("Wait returned true on an ended context")
	}
	if !e.Wait(context.Background()) {
		t.Fatal("Wait returned false on a live context")
	}
	if e.n != 3 {
		t.Fatalf("three waits counted %d failures", e.n)
	}
}

func TestRetryOnlyAfterConnectionLoss(t *testing.T) {
	var c Counter
	for _, err := range []error{nil, zk.ErrNoNode, zk.ErrSessionExpired, zk.ErrClosed, context.Canceled} {
		if c.Retry(context.Background(), err) {
			t.Errorf("Retry(%v) = true, want false", err)
		}
	}
	if c.n != 0 {
		t.Fatalf("%d failures counted for errors that are not retried", c.n)
	}
	lost := fmt.Errorf("get /a: %w", zk.ErrConnectionLoss)
	if !c.Retry(context.Background(), lost) || !c.Retry(context.Background(), lost) || c.n != 2 {
		t.Fatalf("Retry(connection loss) must be true and count (%d)", c.n)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if !c.Retry(ended, lost) {
		t.Fatal("Retry on an ended ctx: the next call tells the loop, so true")
	}
}
