package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"
)

// Result holds a workload run's figures. Durations are in their natural
// unit in the field name; a figure that does not apply is zero.
type Result struct {
	Client   string `json:"client"`
	Workload string `json:"workload"`
	// Ops counts completed operations (create-del: create+delete pairs;
	// watch workloads: events delivered).
	Ops     int64   `json:"ops"`
	Errors  int64   `json:"errors"`
	Seconds float64 `json:"seconds"` // the measured phase
	OpsPerS float64 `json:"ops_per_s"`
	// Latency percentiles in microseconds: per operation, or for the
	// watch workloads from the change (setData sent) to the event's
	// delivery to the watching goroutine.
	P50us  float64 `json:"p50_us"`
	P90us  float64 `json:"p90_us"`
	P99us  float64 `json:"p99_us"`
	P999us float64 `json:"p999_us"`
	// CPUPerOpUs is the process's user+system CPU (getrusage RUSAGE_SELF)
	// over the measured phase divided by Ops, in microseconds.
	CPUPerOpUs float64 `json:"cpu_per_op_us"`
	// AllocsPerOp is the process's heap allocations (runtime.MemStats
	// Mallocs) over the measured phase divided by Ops.
	AllocsPerOp float64 `json:"allocs_per_op"`
	// CtxSwitchesPerOp is the process's context switches (getrusage
	// ru_nvcsw + ru_nivcsw) over the measured phase divided by Ops.
	CtxSwitchesPerOp float64 `json:"ctx_switches_per_op"`
	// ReadsPerOp and WritesPerOp are the client under test's socket Read
	// and Write calls (Config.Conns) over the measured phase divided by
	// Ops; zero when not counted.
	ReadsPerOp  float64 `json:"sock_reads_per_op"`
	WritesPerOp float64 `json:"sock_writes_per_op"`
	// ServerCPUPerOpUs is the server process's user+system CPU
	// (/proc/<pid>/stat, 10 ms resolution) over the measured phase divided
	// by Ops, in microseconds; zero when not measured (Config.ServerPID).
	ServerCPUPerOpUs float64 `json:"server_cpu_per_op_us"`
	// MaxRSSMB is the process's peak resident set (getrusage ru_maxrss)
	// at the end of the run: a high-water mark over the process's life.
	MaxRSSMB float64 `json:"max_rss_mb"`

	// Watch workloads.
	Watches int `json:"watches,omitempty"`
	// RegisterS is the time to set all watches (64 getW in flight).
	RegisterS float64 `json:"register_s,omitempty"`
	// DeliverS (watch-fire) is the time from the first setData to the last
	// event delivered.
	DeliverS float64 `json:"deliver_s,omitempty"`
	// HeapPerWatch (watch-fire) is the live heap (HeapAlloc after a GC)
	// the watches added, divided by their number, in bytes: registered,
	// not yet read.
	HeapPerWatch float64 `json:"heap_per_watch_b,omitempty"`
	// RSSPerWatch (watch-fire) is the same for the resident set
	// (/proc/self/statm, after debug.FreeOSMemory), in bytes.
	RSSPerWatch float64 `json:"rss_per_watch_b,omitempty"`
	// HeapPerWatchDelivery and RSSPerWatchDelivery (watch-fire) are the
	// same with delivery included: every watch also has its reader, one
	// goroutine per watch blocked on its channel (the channel form) or its
	// callback (Config.Callback), as a user needs before any event comes.
	HeapPerWatchDelivery float64 `json:"heap_per_watch_delivery_b,omitempty"`
	RSSPerWatchDelivery  float64 `json:"rss_per_watch_delivery_b,omitempty"`
	// SetterApart (watch-fire) says that the nodes were changed from
	// another process (Config.Setter): CPUPerOpUs, AllocsPerOp and
	// CtxSwitchesPerOp are then the watching client's alone.
	SetterApart bool `json:"setter_apart,omitempty"`
	// RestoredS (watch-reconnect) is the time from the cut until the
	// server holds every remaining watch again (wchs).
	RestoredS float64 `json:"restored_s,omitempty"`
	// RecoverS (watch-reconnect) is the time from the cut until the watches
	// are back and every event for the nodes changed meanwhile arrived.
	RecoverS float64 `json:"recover_s,omitempty"`
	// DetectS (watch-reconnect) is the time from the cut until the client
	// reports the connection lost (its disconnected state event), for
	// adapters that report states (StateReporter).
	DetectS float64 `json:"detect_s,omitempty"`
	// RewatchS (watch-reconnect) is the time from the client reporting
	// its session connected again until the server holds every remaining
	// watch again: the re-registration alone, without the cut and the
	// reconnect pause.
	RewatchS float64 `json:"rewatch_s,omitempty"`
}

// setLatencies fills the percentiles from lat, which it sorts.
func (r *Result) setLatencies(lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		i := int(q * float64(len(lat)))
		if i >= len(lat) {
			i = len(lat) - 1
		}
		return float64(lat[i]) / float64(time.Microsecond)
	}
	r.P50us, r.P90us, r.P99us, r.P999us = at(0.50), at(0.90), at(0.99), at(0.999)
}

// WriteJSON writes r as one JSON line.
func (r *Result) WriteJSON(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteTable writes results as an aligned text table.
func WriteTable(w io.Writer, rs []Result) {
	fmt.Fprintf(w, "%-16s %-10s %9s %10s %9s %9s %9s %9s %9s %9s %9s %9s %8s %8s %7s %s\n",
		"workload", "client", "ops", "ops/s", "p50µs", "p90µs", "p99µs", "p999µs", "cpu/opµs", "srvcpu/op", "reads/op", "writes/op", "csw/op", "alloc/op", "rssMB", "extra")
	for _, r := range rs {
		extra := ""
		switch {
		case r.RegisterS > 0 && r.RestoredS > 0:
			extra = fmt.Sprintf("watches=%d register=%.2fs restored=%.3fs recovered=%.3fs detect=%.4fs rewatch=%.3fs",
				r.Watches, r.RegisterS, r.RestoredS, r.RecoverS, r.DetectS, r.RewatchS)
		case r.RegisterS > 0:
			extra = fmt.Sprintf("watches=%d register=%.2fs deliver=%.3fs heap/watch=%.0fB rss/watch=%.0fB with-reader heap/rss=%.0f/%.0fB setter-apart=%v",
				r.Watches, r.RegisterS, r.DeliverS, r.HeapPerWatch, r.RSSPerWatch, r.HeapPerWatchDelivery, r.RSSPerWatchDelivery, r.SetterApart)
		}
		if r.Errors > 0 {
			extra += fmt.Sprintf(" errors=%d", r.Errors)
		}
		fmt.Fprintf(w, "%-16s %-10s %9d %10.0f %9.0f %9.0f %9.0f %9.0f %9.1f %9.1f %9.2f %9.2f %8.2f %8.1f %7.0f %s\n",
			r.Workload, r.Client, r.Ops, r.OpsPerS, r.P50us, r.P90us, r.P99us, r.P999us, r.CPUPerOpUs, r.ServerCPUPerOpUs,
			r.ReadsPerOp, r.WritesPerOp, r.CtxSwitchesPerOp, r.AllocsPerOp, r.MaxRSSMB, extra)
	}
}
