package watchmgr

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/zkwire/zk/proto"
)

// BenchmarkWatchMemory reports the live heap one registered one-shot data
// watch costs the manager (B/watch), as bench's watch-fire measures the
// whole client: n watches on distinct paths, registered and committed, no
// channel asked for yet. The paths are built before measuring, as a caller
// holds them anyway. The Watcher is allocated here as zk.Watch allocates
// it (one allocation, wrapping the Watcher). With -benchtime 1x it is a
// smoke run; the figure is the same at any b.N.
func BenchmarkWatchMemory(b *testing.B) {
	for _, mode := range []struct {
		name string
		fn   func(Event)
	}{{"channel", nil}, {"callback", func(Event) {}}} {
		b.Run(mode.name, func(b *testing.B) {
			const n = 100_000
			paths := make([]string, n)
			for i := range paths {
				paths[i] = "/zkbench/watch-100000/" + strconv.Itoa(i)
			}
			var perWatch float64
			for range b.N {
				ws := make([]*Watcher, n)
				before := liveHeap()
				m := New(Config{})
				for i, p := range paths {
					w := new(Watcher)
					if err := m.Begin(w, p, KindData, mode.fn, func(bool) error { return nil }); err != nil {
						b.Fatal(err)
					}
					w.Commit(true, true)
					ws[i] = w
				}
				after := liveHeap()
				perWatch = (float64(after) - float64(before)) / n
				runtime.KeepAlive(m)
				runtime.KeepAlive(ws)
			}
			b.ReportMetric(perWatch, "B/watch")
		})
	}
}

// liveHeap is the heap in use after a full collection (bench's liveHeap).
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkDisconnectManyOneShots is one disconnect and reconnect of a
// client holding 100k one-shot watches and one persistent watch: the state
// changes run on the connection's goroutine before the change is
// announced, so their cost is how late a cut is detected.
func BenchmarkDisconnectManyOneShots(b *testing.B) {
	m := connectedWithOneShots(b, 100_000)
	p := new(Watcher)
	if err := m.Begin(p, "/p", KindPersistent, nil, func(bool) error { return nil }); err != nil {
		b.Fatal(err)
	}
	p.Commit(true, true)
	ch := p.Events()
	b.ResetTimer()
	for range b.N {
		m.StateChange(proto.StateDisconnected, false)
		m.StateChange(proto.StateSyncConnected, false)
		<-ch
		<-ch
	}
}

// BenchmarkRestore100k is the client's part of re-registering 100k watches
// after a reconnect: listing them for the SetWatches packets ([3/5]).
func BenchmarkRestore100k(b *testing.B) {
	m := connectedWithOneShots(b, 100_000)
	b.ResetTimer()
	for range b.N {
		m.StateChange(proto.StateDisconnected, false)
		m.StateChange(proto.StateSyncConnected, false)
		if s := m.Restore(); len(s.Data) != 100_000 {
			b.Fatalf("restoring %d data watches, want 100000", len(s.Data))
		}
	}
}

// connectedWithOneShots is a connected manager holding n one-shot data
// watches on distinct paths, registered and committed.
func connectedWithOneShots(b *testing.B, n int) *Manager {
	b.Helper()
	m := New(Config{})
	m.StateChange(proto.StateSyncConnected, true)
	for i := range n {
		w := new(Watcher)
		if err := m.Begin(w, "/zkbench/watch/"+strconv.Itoa(i), KindData, nil, func(bool) error { return nil }); err != nil {
			b.Fatal(err)
		}
		w.Commit(true, true)
	}
	return m
}
