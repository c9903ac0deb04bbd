// Command zkbench runs named workloads against ZooKeeper servers with this
// module's client and prints a table and JSON lines of what it measured:
// ops/s, latency percentiles, client CPU, socket reads and writes,
// context switches and allocations per operation, server CPU per
// operation (local server only), peak RSS, and for the watch workloads registration, delivery and
// restoration times.
//
//	zkbench -servers 10.0.0.1:2181,10.0.0.2:2181 -workloads get-par,set-par -duration 10s
//
// Without -servers it starts a local standalone server (the installed
// ZooKeeper, through zktest) and stops it at the end.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/zkwire/zk/bench"
	"github.com/zkwire/zk/zktest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "zkbench:", err)
		os.Exit(1)
	}
}

func run() (err error) {
	var names []string
	for _, w := range bench.Workloads {
		names = append(names, w.Name)
	}
	var (
		servers   = flag.String("servers", "", "comma-separated host:port list; empty: start a local server")
		workloads = flag.String("workloads", "all", "comma-separated workloads, or all: "+strings.Join(names, ","))
		conc      = flag.Int("c", 0, "requests in flight (0: each workload's default)")
		size      = flag.Int("size", 0, "value size in bytes (0: each workload's default)")
		ops       = flag.Int64("ops", 0, "stop each workload after this many operations (0: no limit)")
		duration  = flag.Duration("duration", 0, "run each workload this long (0: 3s unless -ops is set)")
		watches   = flag.String("watches", "10000", "watch workloads: comma-separated watch counts, each a run")
		changes   = flag.Int("changes", 100, "watch-reconnect: watched nodes changed during the cut")
		cut       = flag.Duration("cut", 500*time.Millisecond, "watch-reconnect: how long new connections are refused")
		root      = flag.String("root", "/zkbench", "znode under which the benchmark keeps its nodes")
		jsonOut   = flag.String("json", "-", "where JSON lines go: - for stdout after the table, or a file")
		quiet     = flag.Bool("q", false, "no progress line on stderr")
		serverPID = flag.Int("server-pid", 0, "the server's process, for server CPU per op (0: found from the port when the server is local)")
		cpuProf   = flag.String("cpuprofile", "", "write a CPU profile of the whole run (setup included) to this file, for go tool pprof")
	)
	flag.Parse()
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			// A profile cut short on close is lost: say so.
			if cerr := f.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("zkbench: writing the CPU profile: %w", cerr)
			}
		}()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	addrs := splitList(*servers)
	if len(addrs) == 0 {
		fmt.Fprintln(os.Stderr, "zkbench: starting a local ZooKeeper server (forceSync=no)")
		srv, err := zktest.StartServer(zktest.WithConfig("forceSync=no"))
		if err != nil {
			return err
		}
		defer srv.Close()
		addrs = []string{srv.Addr()}
	}
	if *serverPID == 0 {
		*serverPID = localPID(addrs)
	}
	var counts []int
	for _, s := range splitList(*watches) {
		var n int
		if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
			return fmt.Errorf("bad -watches %q", s)
		}
		counts = append(counts, n)
	}
	list := splitList(*workloads)
	if *workloads == "all" {
		list = names
	}
	for _, name := range list {
		if _, err := bench.Lookup(name); err != nil {
			return err
		}
	}
	conns := new(bench.ConnCounter)
	cfg := bench.Config{
		Servers: addrs, Client: bench.CountedZK(conns), ClientName: "zk", Conns: conns,
		ServerPID:   *serverPID,
		Helper:      bench.ZK, // not counted: the socket figures are the measured session's
		Concurrency: *conc, Size: *size, Ops: *ops, Duration: *duration,
		Changes: *changes, Cut: *cut, Root: *root,
	}
	if !*quiet {
		cfg.Progress = os.Stderr
	}
	var results []bench.Result
	for _, name := range list {
		runs := []int{0}
		if strings.HasPrefix(name, "watch-") {
			runs = counts
		}
		for _, n := range runs {
			c := cfg
			c.Watches = n
			r, err := bench.Run(ctx, c, name)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			results = append(results, r)
		}
	}
	bench.WriteTable(os.Stdout, results)
	var out io.Writer = os.Stdout
	if *jsonOut != "-" {
		f, err := os.Create(*jsonOut)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	} else {
		fmt.Println()
	}
	for i := range results {
		if err := results[i].WriteJSON(out); err != nil {
			return err
		}
	}
	return nil
}

// localPID is the pid of the server process when the first server is
// local, else 0 (server CPU is then not measured).
func localPID(addrs []string) int {
	pid, err := bench.ServerPID(addrs[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "zkbench: server CPU not measured:", err)
		return 0
	}
	return pid
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
