//go:build go1.25

package conn

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// The linger never delays a lone request: with nothing else in flight a
// round trip takes no time at all (in the bubble, time moves only when
// something waits on a timer).
func TestFakeLoneRequestNotLingered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := fakeDial(t, newFake(acceptAndServe), Config{})
		defer c.Close()
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			if _, err := fakeGet(c, "/x"); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(t0); d != 0 {
				t.Fatalf("a lone getData took %v; want it written and read at once", d)
			}
		}
	})
}

// With lingerDepth requests in flight the writer pauses before writing
// the next one (callers woken together then share one write), and stops
// pausing once no more calls come.
func TestFakeWriterLingersUnderLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu      sync.Mutex
			arrived []time.Time
			held    []proto.RequestHeader
		)
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			fc.serve(func(h proto.RequestHeader, _ *jute.Reader) (bool, bool) {
				if h.Type != proto.OpGetData {
					return false, false
				}
				mu.Lock()
				arrived = append(arrived, time.Now())
				held = append(held, h)
				n := len(held)
				mu.Unlock()
				if n <= lingerDepth {
					return true, false // held: in flight until the last one comes
				}
				for _, h := range held {
					fc.answer(h)
				}
				return true, false
			})
		})
		c := fakeDial(t, f, Config{})
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var wg sync.WaitGroup
		get := func() {
			defer wg.Done()
			if _, err := getData(ctx, c, "/x", false); err != nil {
				t.Error(err)
			}
		}
		start := time.Now()
		for range lingerDepth {
			wg.Add(1)
			go get()
		}
		synctest.Wait() // all written (below the depth, no pause) and held
		mu.Lock()
		n, first := len(arrived), arrived[len(arrived)-1]
		mu.Unlock()
		if n != lingerDepth || first != start {
			t.Fatalf("%d requests arrived, the last after %v; want %d at once", n, first.Sub(start), lingerDepth)
		}
		t0 := time.Now()
		wg.Add(1)
		go get()
		wg.Wait()
		mu.Lock()
		last := arrived[len(arrived)-1]
		mu.Unlock()
		if d := last.Sub(t0); d < writeLinger || d > maxWriteLinger {
			t.Fatalf("with %d in flight the next request went out after %v; want a pause of %v to %v", lingerDepth, d, writeLinger, maxWriteLinger)
		}
	})
}

// The reader's pause: none below lingerDepth in flight or without a
// measured rate; under load, the time readBatch replies take to arrive at
// the measured rate.
func TestReadPacer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{}
		inFlight := func(n int) {
			for l.pending.len() > n {
				l.pending.popFront()
			}
			for l.pending.len() < n {
				l.pending.push(&Call{})
			}
		}
		pause := func(p *readPacer) time.Duration {
			t0 := time.Now()
			p.next(l)
			return time.Since(t0)
		}
		inFlight(64)
		var p readPacer
		if d := pause(&p); d != 0 {
			t.Fatalf("paused %v with no rate measured yet", d)
		}
		// Cycles of 4 frames every 400 µs: 100 µs per reply.
		for range 50 {
			p.n = 4
			time.Sleep(400 * time.Microsecond)
			inFlight(lingerDepth - 1)
			if d := pause(&p); d != 0 {
				t.Fatalf("paused %v with %d in flight", d, lingerDepth-1)
			}
		}
		inFlight(64)
		p.n = 4
		time.Sleep(400 * time.Microsecond)
		if d := pause(&p); d < 700*time.Microsecond || d > 900*time.Microsecond {
			t.Fatalf("paused %v at 100 µs per reply; want about %d replies' worth", d, readBatch)
		}
	})
}
