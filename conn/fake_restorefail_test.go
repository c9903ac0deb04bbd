//go:build go1.25

package conn

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// notRestoredRecorder is a recorder that also observes restores.
type notRestoredRecorder struct {
	*recorder
	mu   sync.Mutex
	sets []WatchSet
	errs []error
}

func (r *notRestoredRecorder) WatchesRestored() {}

func (r *notRestoredRecorder) WatchesNotRestored(set WatchSet, err error) {
	r.mu.Lock()
	r.sets = append(r.sets, set)
	r.errs = append(r.errs, err)
	r.mu.Unlock()
	r.recorder.mu.Lock()
	r.recorder.note()
	r.recorder.mu.Unlock()
}

func (r *notRestoredRecorder) told() ([]WatchSet, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]WatchSet(nil), r.sets...), append([]error(nil), r.errs...)
}

// A SetWatches packet the server refuses with an error code leaves its
// watches unregistered for good on this session: the provider is told
// exactly that packet's watches (relative to the chroot) and the code,
// and nothing about the packets the server accepted.
func TestFakeRestoreRefusedTold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(func(fc *fakeConn) {
			if _, err := fc.accept(); err != nil {
				return
			}
			fc.serve(func(h proto.RequestHeader, r *jute.Reader) (bool, bool) {
				switch {
				case fc.n == 1 && h.Type == proto.OpSetWatches2:
					fc.send(&proto.ReplyHeader{Xid: h.Xid, Zxid: fc.zxid, Err: proto.ErrNoAuth})
					return true, false
				case h.Type == proto.OpGetData:
					var q proto.GetDataRequest
					q.Decode(r)
					return false, strings.HasSuffix(q.Path, "/cut")
				}
				return false, false
			})
		})
		rec := &notRestoredRecorder{recorder: newRecorder()}
		refused := WatchSet{Data: []string{"/a"}, Persistent: []string{"/p"}}
		rec.setWatches(refused, WatchSet{Child: []string{"/c"}})
		c := fakeDial(t, f, Config{Chroot: "/app", Events: rec, Watches: rec})
		defer c.Close()
		cut(t, c, f, rec.recorder)
		f.setRefuse(false)
		rec.waitUntil(t, time.Minute, "reconnect", func() bool { return rec.count(proto.StateSyncConnected) == 2 })
		if _, err := fakeGet(c, "/after"); err != nil { // behind both restore packets
			t.Fatal(err)
		}
		sets, errs := rec.told()
		if len(sets) != 1 || fmt.Sprint(sets[0]) != fmt.Sprint(refused) {
			t.Fatalf("provider told %v as not restored, want exactly [%v]", sets, refused)
		}
		if !errors.Is(errs[0], proto.ErrNoAuth) {
			t.Fatalf("not restored because of %v, want the server's ErrNoAuth", errs[0])
		}
	})
}

// A watch whose path alone is over the packet limit cannot be restored at
// all: the provider is told, on the session goroutine, with an error that
// matches ErrPacketTooLarge; the other watches are restored.
func TestFakeRestoreTooLargeTold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(recordingServer)
		rec := &notRestoredRecorder{recorder: newRecorder()}
		long := "/" + strings.Repeat("x", 300)
		rec.setWatches(WatchSet{Data: []string{long}, Child: []string{"/c"}})
		c := fakeDial(t, f, Config{MaxPacketSize: 320, Events: rec, Watches: rec})
		defer c.Close()
		cut(t, c, f, rec.recorder)
		f.setRefuse(false)
		rec.waitUntil(t, time.Minute, "reconnect", func() bool { return rec.count(proto.StateSyncConnected) == 2 })
		if _, err := fakeGet(c, "/after"); err != nil {
			t.Fatal(err)
		}
		sets, errs := rec.told()
		want := WatchSet{Data: []string{long}}
		if len(sets) != 1 || fmt.Sprint(sets[0]) != fmt.Sprint(want) {
			t.Fatalf("provider told %d sets %.80v as not restored, want exactly the long data watch", len(sets), sets)
		}
		if !errors.Is(errs[0], ErrPacketTooLarge) {
			t.Fatalf("not restored because of %v, want ErrPacketTooLarge", errs[0])
		}
		if got := framesOf(f, 1); len(got) != 2 || !strings.Contains(got[0], "[/c]") {
			t.Fatalf("the reconnection saw %q; want the restore of /c, then getData /after", got)
		}
	})
}
