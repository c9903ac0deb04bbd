// Command compare runs the bench workloads with this module's client (zk)
// and with go-zookeeper/zk v1.0.4 on one ZooKeeper server started once,
// trials interleaved (zk, go-zk, zk, go-zk, ...), each trial in a fresh
// process so that heap, RSS and GC state never carry over. It prints one
// Markdown table: per figure the median and min–max of each client and
// the ratio zk/go-zk, with the target where there is one.
//
//	cd bench/compare && go run . -trials 3 -duration 3s
//
// It lives in its own module so the library's go.mod never depends on
// go-zookeeper.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/zkwire/zk/bench"
	"github.com/zkwire/zk/zktest"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "-trial" {
		err = trial(os.Args[2:])
	} else {
		err = compare()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// clients are the two contenders, by the names results carry.
var clients = []string{"zk", "go-zk"}

func dialer(name string) (bench.Dialer, error) {
	switch name {
	case "zk":
		return bench.ZK, nil
	case "go-zk":
		return dialGoZK, nil
	}
	return nil, fmt.Errorf("unknown client %q", name)
}

// trial runs one workload with one client and prints its result as a JSON
// line: the child process side.
func trial(args []string) error {
	fs := flag.NewFlagSet("trial", flag.ContinueOnError)
	var (
		servers  = fs.String("servers", "", "")
		client   = fs.String("client", "", "")
		workload = fs.String("workload", "", "")
		duration = fs.Duration("duration", 3*time.Second, "")
		watches  = fs.Int("watches", 0, "")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := dialer(*client)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	r, err := bench.Run(ctx, bench.Config{
		Servers: strings.Split(*servers, ","), Client: d, ClientName: *client,
		Helper:   bench.ZK, // the same second session for both: only the watching client differs
		Duration: *duration, Watches: *watches,
	}, *workload)
	if err != nil {
		return err
	}
	return r.WriteJSON(os.Stdout)
}

// item is one line of the plan: a workload, with a watch count for the
// watch workloads.
type item struct {
	workload string
	watches  int
}

func (it item) String() string {
	if it.watches > 0 {
		return fmt.Sprintf("%s %s", it.workload, human(it.watches))
	}
	return it.workload
}

func compare() error {
	var (
		servers   = flag.String("servers", "", "comma-separated host:port list; empty: start a local server (forceSync=no)")
		trials    = flag.Int("trials", 3, "trials per client and workload (interleaved)")
		duration  = flag.Duration("duration", 3*time.Second, "length of each trial of the operation workloads")
		workloads = flag.String("workloads", "all", "comma-separated workloads, or all")
		fire      = flag.String("fire-watches", "10000,100000", "watch-fire watch counts")
		reconnect = flag.Int("reconnect-watches", 10000, "watch-reconnect watch count")
		jsonOut   = flag.String("json", "", "also write every trial's result as JSON lines to this file")
	)
	flag.Parse()
	if *trials < 1 {
		return fmt.Errorf("-trials must be at least 1")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	self, err := os.Executable()
	if err != nil {
		return err
	}

	addrs := *servers
	if addrs == "" {
		fmt.Fprintln(os.Stderr, "compare: starting a local ZooKeeper server (forceSync=no)")
		srv, err := zktest.StartServer(zktest.WithConfig("forceSync=no"))
		if err != nil {
			return err
		}
		defer srv.Close()
		addrs = srv.Addr()
	}

	var plan []item
	names := strings.Split(*workloads, ",")
	if *workloads == "all" {
		names = nil
		for _, w := range bench.Workloads {
			names = append(names, w.Name)
		}
	}
	for _, name := range names {
		if _, err := bench.Lookup(name); err != nil {
			return err
		}
		switch name {
		case "watch-fire":
			for _, s := range strings.Split(*fire, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || n <= 0 {
					return fmt.Errorf("bad -fire-watches %q", s)
				}
				plan = append(plan, item{name, n})
			}
		case "watch-reconnect":
			plan = append(plan, item{name, *reconnect})
		default:
			plan = append(plan, item{name, 0})
		}
	}

	var jsonFile io.Writer
	if *jsonOut != "" {
		f, err := os.Create(*jsonOut)
		if err != nil {
			return err
		}
		defer f.Close()
		jsonFile = f
	}
	run := func(client string, it item, d time.Duration) (bench.Result, error) {
		args := []string{"-trial", "-servers", addrs, "-client", client, "-workload", it.workload,
			"-duration", d.String(), "-watches", strconv.Itoa(it.watches)}
		cmd := exec.CommandContext(ctx, self, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		if err := cmd.Run(); err != nil {
			return bench.Result{}, fmt.Errorf("%s with %s: %w", it, client, err)
		}
		var r bench.Result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			return r, fmt.Errorf("%s with %s: %w in %q", it, client, err, out.String())
		}
		if jsonFile != nil {
			r.WriteJSON(jsonFile)
		}
		return r, nil
	}

	// Warm the server's JIT up so that the first measured trial is not the
	// slowest for whoever goes first.
	fmt.Fprintln(os.Stderr, "compare: warming the server up")
	for _, w := range []string{"get-par", "set-par"} {
		for _, c := range clients {
			if _, err := run(c, item{w, 0}, 2*time.Second); err != nil {
				return err
			}
		}
	}

	start := time.Now()
	results := map[item]map[string][]bench.Result{}
	total, n := len(plan)**trials*len(clients), 0
	for _, it := range plan {
		results[it] = map[string][]bench.Result{}
		for t := 0; t < *trials; t++ {
			for _, c := range clients {
				n++
				fmt.Fprintf(os.Stderr, "compare: [%d/%d] %s, %s, trial %d (%.0fs so far)\n", n, total, it, c, t+1, time.Since(start).Seconds())
				r, err := run(c, it, *duration)
				if err != nil {
					return err
				}
				if r.Errors > 0 {
					fmt.Fprintf(os.Stderr, "compare: %s with %s: %d errors\n", it, c, r.Errors)
				}
				results[it][c] = append(results[it][c], r)
			}
		}
	}
	fmt.Printf("%d trials per client, interleaved; operation workloads %v per trial; took %s\n\n",
		*trials, *duration, time.Since(start).Round(time.Second))
	writeTable(os.Stdout, plan, results)
	return nil
}

func human(n int) string {
	if n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}
