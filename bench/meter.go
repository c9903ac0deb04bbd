package bench

import (
	"runtime"
	"time"
)

// meter samples the process's CPU time and allocation count at the start of
// a measured phase, and turns the deltas into per-op figures at its end.
type meter struct {
	start  time.Time
	cpu    time.Duration
	allocs uint64
}

func startMeter() meter {
	return meter{start: time.Now(), cpu: cpuTime(), allocs: mallocs()}
}

// stop fills r's phase length, rates and per-op costs for r.Ops.
func (m meter) stop(r *Result) {
	elapsed := time.Since(m.start)
	cpu := cpuTime() - m.cpu
	allocs := mallocs() - m.allocs
	r.Seconds = elapsed.Seconds()
	if r.Ops > 0 {
		r.OpsPerS = float64(r.Ops) / elapsed.Seconds()
		r.CPUPerOpUs = float64(cpu) / float64(r.Ops) / float64(time.Microsecond)
		r.AllocsPerOp = float64(allocs) / float64(r.Ops)
	}
	r.MaxRSSMB = maxRSSMB()
}

// mallocs is the number of heap objects allocated so far. ReadMemStats
// stops the world briefly; it is called only at phase edges.
func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC() // the second pass frees what the first one's finalizers released
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
