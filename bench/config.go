package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Config says what to run and where.
type Config struct {
	Servers    []string // "host:port" of the ensemble (required)
	Client     Dialer   // the client under test (required)
	ClientName string   // its name in results ("zk" if empty)
	// Helper opens the second session of the watch workloads (the one that
	// changes the watched nodes) and the session that prepares nodes. nil:
	// Client. The comparison uses the same helper for both clients, so
	// only the watching client differs.
	Helper Dialer

	Concurrency int           // requests in flight; 0: the workload's own (see Workloads)
	Size        int           // value size in bytes; 0: the workload's own
	Ops         int64         // stop after this many operations; 0: no limit
	Duration    time.Duration // stop after this long; 0: 3 s (unless Ops is set)
	Watches     int           // watch workloads: how many watches; 0: 10,000
	Changes     int           // watch-reconnect: nodes changed during the cut; 0: 100
	Cut         time.Duration // watch-reconnect: how long new connections are refused; 0: 500 ms
	Root        string        // the benchmark's znode subtree; "": /zkbench
	Progress    io.Writer     // a progress line every second while running; nil: none
	// Setter, when set, changes watch-fire's watched nodes instead of the
	// Helper session, from another process, so that the process's CPU,
	// allocations and context switches are the watching client's alone.
	Setter Setter
	// Callback makes watch-fire set its watches in the callback form
	// (Client must be a CallbackClient): no reader goroutine per watch.
	Callback bool

	// Conns is the counter Client's dialer wraps its connections with
	// (CountedZK; compare's go-zookeeper dialer), for the socket reads
	// and writes per op. nil: not counted. Helper's connections should
	// not be counted: only the client under test's.
	Conns *ConnCounter
	// ServerPID is a local server's process, for the server's CPU per op
	// (/proc/<pid>/stat). 0: not measured.
	ServerPID int
}

// Setter changes the watched nodes of watch-fire from outside the
// process. It prepares (a process, a session), calls ready once it can
// start at once, then sets every path (any data, any version, up to
// conc in flight) and returns when each setData was sent, by the wall
// clock. ready starts the measured phase.
type Setter func(ctx context.Context, paths []string, conc int, ready func()) (sent []time.Time, err error)

// Workload is one named workload and its defaults.
type Workload struct {
	Name        string
	Concurrency int // requests in flight
	Size        int // value size in bytes
	Description string
	run         func(*runner) (Result, error)
}

// Workloads lists every workload, in the order a full run takes them.
var Workloads = []Workload{
	{"get-seq", 1, 1024, "getData of a 1 KiB node, one at a time", runGetSeq},
	{"get-par", 64, 1024, "getData of a 1 KiB node, 64 in flight", runGetPar},
	{"set-par", 64, 1024, "setData of 1 KiB on a node per worker, 64 in flight", runSetPar},
	{"create-del", 32, 100, "create then delete a 100 B node per worker, 32 pairs in flight (one op = one pair)", runCreateDel},
	{"multi", 64, 100, "multi of 10 setData of 100 B, 64 in flight", runMulti},
	{"watch-fire", 64, 16, "N getW data watches on distinct nodes (64 in flight), then a second session sets each (64 in flight)", runWatchFire},
	{"watch-reconnect", 64, 16, "N watches through a fault proxy; connection cut and refused for Cut while Changes watched nodes change", runWatchReconnect},
}

// Lookup returns the workload with that name.
func Lookup(name string) (Workload, error) {
	for _, w := range Workloads {
		if w.Name == name {
			return w, nil
		}
	}
	return Workload{}, fmt.Errorf("bench: no workload %q", name)
}

func (cfg Config) normalize() (Config, error) {
	if len(cfg.Servers) == 0 {
		return cfg, errors.New("bench: no servers")
	}
	if cfg.Client == nil {
		return cfg, errors.New("bench: no client")
	}
	if cfg.Concurrency < 0 || cfg.Size < 0 || cfg.Ops < 0 || cfg.Duration < 0 || cfg.Watches < 0 || cfg.Changes < 0 || cfg.Cut < 0 || cfg.ServerPID < 0 {
		return cfg, errors.New("bench: negative setting")
	}
	if cfg.ClientName == "" {
		cfg.ClientName = "zk"
	}
	if cfg.Helper == nil {
		cfg.Helper = cfg.Client
	}
	if cfg.Duration == 0 && cfg.Ops == 0 {
		cfg.Duration = 3 * time.Second
	}
	if cfg.Watches == 0 {
		cfg.Watches = 10000
	}
	if cfg.Changes == 0 {
		cfg.Changes = 100
	}
	if cfg.Changes > cfg.Watches {
		cfg.Changes = cfg.Watches
	}
	if cfg.Cut == 0 {
		cfg.Cut = 500 * time.Millisecond
	}
	if cfg.Root == "" {
		cfg.Root = "/zkbench"
	}
	return cfg, nil
}
