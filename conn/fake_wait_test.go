//go:build go1.25

package conn

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zkwire/zk/proto"
)

// Waiting lends the call a pooled channel; Done still works as documented:
// nil before Submit, closed at completion whether asked for before or
// after it, and several waiters (Wait and Done, or two Waits) all wake.
func TestFakeWaitAndDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := fakeDial(t, newFake(acceptAndServe), Config{})
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		newCall := func() *Call {
			return &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/x"}, Resp: &proto.GetDataResponse{}}
		}

		call := newCall()
		if call.Done() != nil {
			t.Fatal("Done must be nil before Submit")
		}
		if err := c.Wait(ctx, call); !errors.Is(err, errNotSubmitted) {
			t.Fatalf("Wait before Submit: %v", err)
		}
		if err := c.Do(ctx, call); err != nil {
			t.Fatal(err)
		}
		select {
		case <-call.Done():
		default:
			t.Fatal("Done asked for after completion is not closed")
		}
		if err := c.Submit(call); !errors.Is(err, errResubmit) {
			t.Fatalf("second Submit: %v", err)
		}

		// Two Waits and a Done on one call, asked for before its reply.
		call = newCall()
		if err := c.Submit(call); err != nil {
			t.Fatal(err)
		}
		done := call.Done()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = c.Wait(ctx, call) }()
		}
		<-done
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("waiters got %v", errs)
		}

		// A refused Submit leaves the call unsubmitted.
		big := &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/" + string(make([]byte, 2<<20))}}
		if err := c.Submit(big); !errors.Is(err, ErrPacketTooLarge) || big.Done() != nil {
			t.Fatalf("oversize Submit: %v, Done %v", err, big.Done())
		}
	})
}
