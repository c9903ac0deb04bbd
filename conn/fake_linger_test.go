//go:build go1.25

package conn

import (
	"context"
	"fmt"
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

// The reader's pause while watch events stream in: only with nothing in
// flight and after a cycle that carried more than one notification, for
// readBatch events' worth at the measured rate, capped at maxNotifyLinger.
func TestReadPacerNotifications(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{}
		pause := func(p *readPacer, frames, notes int) time.Duration {
			p.n, p.notes = frames, notes
			time.Sleep(400 * time.Microsecond) // 4 frames per 400 µs: 100 µs each
			t0 := time.Now()
			p.next(l)
			return time.Since(t0)
		}
		var p readPacer
		p.next(l) // the first cycle starts
		for range 50 {
			if d := pause(&p, 4, 1); d != 0 {
				t.Fatalf("paused %v after a cycle with one notification", d)
			}
		}
		if d := pause(&p, 4, 4); d != maxNotifyLinger {
			t.Fatalf("paused %v after a cycle of 4 notifications at 100 µs each; want the cap %v", d, maxNotifyLinger)
		}
		l.pending.push(&Call{})
		if d := pause(&p, 4, 4); d != 0 {
			t.Fatalf("paused %v with a call in flight", d)
		}
		l.pending.popFront()
		// Faster events: readBatch of them take less than the cap.
		for range 50 {
			p.n = 4
			time.Sleep(40 * time.Microsecond)
			p.next(l) // 4 frames per 40 µs, one notification: no pause
		}
		if d := pause(&p, 4, 4); d >= maxNotifyLinger || d < 8*readBatch*time.Microsecond {
			t.Fatalf("paused %v at about 10 µs per event; want about %d events' worth", d, readBatch)
		}
	})
}

// timedEvents records when each notification reached the sink.
type timedEvents struct {
	*recorder
	mu sync.Mutex
	at []time.Time
}

func (e *timedEvents) Notification(ev proto.WatcherEvent) {
	e.mu.Lock()
	e.at = append(e.at, time.Now())
	e.mu.Unlock()
	e.recorder.Notification(ev)
}

// Over a connection: notifications sent one per write, 100 µs apart, are
// each delivered the moment they are sent; sent two per write, the reader
// pauses after each pair (events stream in, nothing is in flight), so the
// next pair waits, but never more than maxNotifyLinger.
func TestFakeReaderLingersOnStreamingNotifications(t *testing.T) {
	for _, perWrite := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d per write", perWrite), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const writes = 40
				var (
					mu   sync.Mutex
					sent []time.Time
				)
				f := newFake(func(fc *fakeConn) {
					if _, err := fc.accept(); err != nil {
						return
					}
					hdr := &proto.ReplyHeader{Xid: proto.XidNotification, Zxid: -1}
					ev := &proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/x"}
					recs := []proto.Record{hdr, ev}
					for range writes {
						time.Sleep(100 * time.Microsecond)
						b, start := []byte(nil), 0
						for range perWrite {
							b, start = jute.BeginFrame(b)
							for _, r := range recs {
								b = r.AppendTo(b)
							}
							jute.EndFrame(b, start)
						}
						mu.Lock()
						sent = append(sent, time.Now())
						mu.Unlock()
						if _, err := fc.Write(b); err != nil {
							return
						}
					}
					fc.serve(nil)
				})
				ev := &timedEvents{recorder: newRecorder()}
				c := fakeDial(t, f, Config{Events: ev})
				defer c.Close()
				time.Sleep(time.Second)
				synctest.Wait()
				ev.mu.Lock()
				at := ev.at
				ev.mu.Unlock()
				mu.Lock()
				defer mu.Unlock()
				if len(at) != writes*perWrite {
					t.Fatalf("%d events delivered, want %d", len(at), writes*perWrite)
				}
				var late int
				for i, s := range sent {
					d := at[i*perWrite].Sub(s)
					if d > maxNotifyLinger {
						t.Fatalf("write %d delivered %v after it was sent; want at most %v", i, d, maxNotifyLinger)
					}
					if d > 0 {
						late++
					}
				}
				if perWrite == 1 && late > 0 {
					t.Fatalf("%d of %d lone events delayed; want none", late, writes)
				}
				if perWrite == 2 && late < writes/2 {
					t.Fatalf("%d of %d pairs delayed; want the reader to pause after most", late, writes)
				}
			})
		})
	}
}

// A request made while the reader pauses on streaming notifications waits
// for its reply no longer than maxNotifyLinger, and does wait (the pause
// is real); once the stream has stopped, the next request is not delayed.
func TestFakeRequestDuringNotificationPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const writes = 20
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			hdr := &proto.ReplyHeader{Xid: proto.XidNotification, Zxid: -1}
			ev := &proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/x"}
			for range writes {
				time.Sleep(100 * time.Microsecond)
				var b []byte
				for range 2 {
					var start int
					b, start = jute.BeginFrame(b)
					b = ev.AppendTo(hdr.AppendTo(b))
					jute.EndFrame(b, start)
				}
				if _, err := fc.Write(b); err != nil {
					return
				}
			}
			fc.serve(nil)
		})
		all := make(chan struct{})
		ev := &countedEvents{recorder: newRecorder(), want: 2 * writes, all: all}
		c := fakeDial(t, f, Config{Events: ev})
		defer c.Close()
		select {
		case <-all: // the last pair is in; the reader has begun its pause
		case <-time.After(time.Minute):
			t.Fatalf("%d of %d notifications delivered", len(ev.eventList()), 2*writes)
		}
		t0 := time.Now()
		if _, err := fakeGet(c, "/x"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d <= 0 || d > maxNotifyLinger {
			t.Fatalf("a Get made during the pause took %v; want more than 0, at most %v", d, maxNotifyLinger)
		}
		t0 = time.Now()
		if _, err := fakeGet(c, "/x"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d != 0 {
			t.Fatalf("a Get after the stream took %v; want no delay", d)
		}
	})
}

// countedEvents closes all once want notifications have reached the sink.
type countedEvents struct {
	*recorder
	want int
	n    int // guarded by recorder's calls: Notification runs on the reader only
	all  chan struct{}
}

func (e *countedEvents) Notification(ev proto.WatcherEvent) {
	e.recorder.Notification(ev)
	if e.n++; e.n == e.want {
		close(e.all)
	}
}
