package watchmgr

import (
	"strconv"
	"testing"

	"github.com/zkwire/zk/proto"
)

// BenchmarkRestore100k is the client's part of re-registering 100k watches
// after a reconnect: listing them for the SetWatches packets ([3/5]).
func BenchmarkRestore100k(b *testing.B) {
	m := New(Config{})
	m.StateChange(proto.StateSyncConnected, true)
	for i := range 100_000 {
		w := new(Watcher)
		if err := m.Begin(w, "/zkbench/watch/n"+strconv.Itoa(i), KindData, nil, func(bool) error { return nil }); err != nil {
			b.Fatal(err)
		}
		w.Commit(true, true)
	}
	b.ResetTimer()
	for range b.N {
		m.StateChange(proto.StateDisconnected, false)
		m.StateChange(proto.StateSyncConnected, false)
		s := m.Restore()
		if len(s.Data) != 100_000 {
			b.Fatal(len(s.Data))
		}
	}
}
