//go:build go1.25

package conn

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// restoreTimer observes restores: how many SetWatches replies the server
// had sent when WatchesRestored came.
type restoreTimer struct {
	*recorder
	mu       sync.Mutex
	answered *int
	atDone   []int
}

func (r *restoreTimer) WatchesRestored() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.atDone = append(r.atDone, *r.answered)
}

func (r *restoreTimer) WatchesNotRestored(WatchSet, error) {}

// The SetWatches packets of a restore are pipelined: the server receives
// every one of them before it answers the first (a client waiting for
// each reply would deadlock here, the server holding the replies until
// the last packet). WatchesRestored comes after the last reply.
func TestFakeRestorePipelined(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		paths := make([]string, 3000)
		for i := range paths {
			paths[i] = fmt.Sprintf("/%05d-%0100d", i, 0)
		}
		var (
			mu       sync.Mutex
			answered int
			held     []proto.RequestHeader
			want     int // packets in the restore
		)
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			fc.serve(func(h proto.RequestHeader, r *jute.Reader) (bool, bool) {
				if h.Type == proto.OpGetData {
					var q proto.GetDataRequest
					q.Decode(r)
					return false, q.Path == "/cut"
				}
				if fc.n != 1 || h.Type != proto.OpSetWatches {
					return false, false
				}
				mu.Lock()
				held = append(held, h)
				all := len(held) == want
				mu.Unlock()
				if !all {
					return true, false // no reply until the last packet is in
				}
				for _, h := range held {
					mu.Lock()
					answered++
					mu.Unlock()
					fc.answer(h)
				}
				return true, false
			})
		})
		rec := &restoreTimer{recorder: newRecorder(), answered: &answered}
		rec.setWatches(WatchSet{Exist: paths})
		c := fakeDial(t, f, Config{Events: rec, Watches: rec})
		defer c.Close()
		want = len(c.watchBatches(nil, WatchSet{Exist: paths}, 0))
		if want < 3 {
			t.Fatalf("%d packets; the test needs several", want)
		}
		cut(t, c, f, rec.recorder)
		f.setRefuse(false)
		rec.waitUntil(t, time.Minute, "reconnect", func() bool { return rec.count(proto.StateSyncConnected) == 2 })
		if _, err := fakeGet(c, "/after"); err != nil { // behind the restore
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(held) != want || answered != want {
			t.Fatalf("server got %d of %d SetWatches packets and answered %d before its connection ended", len(held), want, answered)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if len(rec.atDone) != 1 || rec.atDone[0] != want {
			t.Fatalf("WatchesRestored came with %v replies sent; want once, after all %d", rec.atDone, want)
		}
		if n := rec.count(proto.StateDisconnected); n != 1 {
			t.Fatalf("%d disconnects; want only the cut", n)
		}
	})
}
