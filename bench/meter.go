package bench

import (
	"runtime"
	"runtime/debug"
	"time"
)

// meter samples the process's costs (CPU time, allocations, context
// switches), the client's socket calls and the server's CPU time at the
// start of a measured phase, and turns the deltas into per-op figures at
// its end.
type meter struct {
	start         time.Time
	cpu           time.Duration
	allocs        uint64
	csw           int64
	reads, writes int64
	conns         *ConnCounter
	serverPID     int
	serverCPU     time.Duration
	serverErr     error
}

func (rn *runner) startMeter() meter {
	m := meter{conns: rn.cfg.Conns, serverPID: rn.cfg.ServerPID}
	if m.serverPID > 0 {
		m.serverCPU, m.serverErr = ProcessCPU(m.serverPID)
	}
	m.reads, m.writes = m.conns.Counts()
	m.allocs = mallocs()
	m.csw = ctxSwitches()
	m.cpu = cpuTime()
	m.start = time.Now()
	return m
}

// stop fills r's phase length, rates and per-op costs for r.Ops.
func (m meter) stop(r *Result) {
	elapsed := time.Since(m.start)
	cpu := cpuTime() - m.cpu
	csw := ctxSwitches() - m.csw
	allocs := mallocs() - m.allocs
	reads, writes := m.conns.Counts()
	var serverCPU time.Duration
	if m.serverPID > 0 && m.serverErr == nil {
		if now, err := ProcessCPU(m.serverPID); err == nil {
			serverCPU = now - m.serverCPU
		}
	}
	r.Seconds = elapsed.Seconds()
	if r.Ops > 0 {
		ops := float64(r.Ops)
		r.OpsPerS = ops / elapsed.Seconds()
		r.CPUPerOpUs = float64(cpu) / ops / float64(time.Microsecond)
		r.AllocsPerOp = float64(allocs) / ops
		r.CtxSwitchesPerOp = float64(csw) / ops
		if m.conns != nil {
			r.ReadsPerOp = float64(reads-m.reads) / ops
			r.WritesPerOp = float64(writes-m.writes) / ops
		}
		r.ServerCPUPerOpUs = float64(serverCPU) / ops / float64(time.Microsecond)
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

// liveRSS is the process's resident set after a full collection that
// returned every free page to the OS (debug.FreeOSMemory), so that pages
// an earlier phase freed do not hide what the live data takes.
func liveRSS() uint64 {
	debug.FreeOSMemory()
	return residentBytes()
}
