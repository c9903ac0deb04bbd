// Command compare runs the bench workloads with this module's client (zk)
// and with go-zookeeper/zk v1.0.4 on one ZooKeeper server started once.
// Trials are interleaved in adjacent pairs (zk then go-zk, then go-zk then
// zk, ...), each trial in a fresh process so that heap, RSS and GC state
// never carry over. It prints one Markdown table: per figure the median
// and min–max of each client, and the paired ratio zk/go-zk (one ratio per
// pair of adjacent trials; their median and min–max), with the issue's
// target where there is one. For the throughput workloads it adds the
// bound a client can reach on cores it shares with the server.
//
//	cd bench/compare && go run . -trials 7 -duration 3s [-pin]
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
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zkwire/zk/bench"
	"github.com/zkwire/zk/zktest"
)

func main() {
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "-trial":
		err = trial(os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "-setter":
		err = setter(os.Args[2:])
	default:
		err = compare()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// clients are the two contenders, by the names results carry.
var clients = []string{"zk", "go-zk"}

// zkCallback is zk with its watches in the callback form (zk.OnEvent), a
// third trial in each pair of the watch-fire workloads when the build has
// it (bench.ZKCallbacks).
const zkCallback = "zk-cb"

// clientsFor returns the clients of it's trials: zk's callback form joins
// the watch-fire pairs when built.
func clientsFor(it item, callbacks bool) []string {
	if it.workload == "watch-fire" && callbacks {
		return []string{clients[0], clients[1], zkCallback}
	}
	return clients
}

// dialer returns the named client's Dialer with its connections counted
// in conns, each through the client's own dialer option.
func dialer(name string, conns *bench.ConnCounter) (bench.Dialer, error) {
	switch name {
	case "zk", zkCallback:
		return bench.CountedZK(conns), nil
	case "go-zk":
		return goZKDialer(conns), nil
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
		pid      = fs.Int("server-pid", 0, "")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	conns := new(bench.ConnCounter)
	d, err := dialer(*client, conns)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	r, err := bench.Run(ctx, bench.Config{
		Setter:  processSetter(self, *servers), // watch-fire: the setData calls from another process
		Servers: strings.Split(*servers, ","), Client: d, ClientName: *client,
		Helper:   bench.ZK, // the same second session for both: only the watching client differs
		Duration: *duration, Watches: *watches, Callback: *client == zkCallback,
		Conns: conns, ServerPID: *pid,
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
		trials    = flag.Int("trials", 7, "trials per client and workload (interleaved in adjacent pairs)")
		duration  = flag.Duration("duration", 3*time.Second, "length of each trial of the operation workloads")
		workloads = flag.String("workloads", "all", "comma-separated workloads, or all")
		fire      = flag.String("fire-watches", "10000,100000", "watch-fire watch counts")
		reconnect = flag.String("reconnect-watches", "10000,100000", "watch-reconnect watch counts")
		tree      = flag.String("tree-nodes", "10000", treeBoot+" node counts (when the workload exists)")
		quick     = flag.Bool("quick", false, "a smoke run of the tool, not a measurement: 2 trials of 1s, 1000 watches (flags given explicitly win)")
		jsonOut   = flag.String("json", "", "also write every trial's result as JSON lines to this file")
		pin       = flag.Bool("pin", false, "pin the server (all its threads) to CPU 0 and the trial processes to CPU 1, with taskset")
		serverPID = flag.Int("server-pid", 0, "the server's process, for its CPU per op (0: found from the port when the server is local)")
	)
	flag.Parse()
	if *quick {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range map[string]string{"trials": "2", "duration": "1s", "fire-watches": "1000", "reconnect-watches": "1000", "tree-nodes": "1000"} {
			if !set[name] {
				flag.Set(name, v)
			}
		}
	}
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
	if *serverPID == 0 {
		*serverPID = localPID(addrs)
	}
	var prefix []string // what each trial's command line starts with
	if *pin {
		var err error
		if prefix, err = pinServer(*serverPID); err != nil {
			return err
		}
	}

	names := strings.Split(*workloads, ",")
	if *workloads == "all" {
		names = nil
		for _, w := range bench.Workloads {
			names = append(names, w.Name)
		}
	}
	counts := map[string][]int{}
	for name, list := range map[string]string{"watch-fire": *fire, "watch-reconnect": *reconnect, treeBoot: *tree} {
		for _, s := range strings.Split(list, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n <= 0 {
				return fmt.Errorf("bad watch or node count %q for %s", s, name)
			}
			counts[name] = append(counts[name], n)
		}
	}
	plan, err := makePlan(names, counts)
	if err != nil {
		return err
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
		args := append(prefix, self, "-trial", "-servers", addrs, "-client", client, "-workload", it.workload,
			"-duration", d.String(), "-watches", strconv.Itoa(it.watches), "-server-pid", strconv.Itoa(*serverPID))
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
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
	load0 := loadAvg()
	// results[it][client][t] is trial t's result: zk's and go-zk's trial t
	// ran next to each other, and form pair t.
	results := map[item]map[string][]bench.Result{}
	total, n := 0, 0
	for _, it := range plan {
		total += *trials * len(clientsFor(it, bench.ZKCallbacks))
	}
	for _, it := range plan {
		results[it] = map[string][]bench.Result{}
		for t := 0; t < *trials; t++ {
			for _, c := range pairOrder(clientsFor(it, bench.ZKCallbacks), t) {
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
	fmt.Printf("%d trials per client, interleaved in adjacent pairs; operation workloads %v per trial; took %s\n",
		*trials, *duration, time.Since(start).Round(time.Second))
	fmt.Printf("load average (1, 5, 15 min): %s at the start, %s at the end\n", load0, loadAvg())
	fmt.Printf("%s, %s/%s, %d CPUs: %s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel())
	if bench.ZKCallbacks {
		fmt.Println("zk's callback form (zk.OnEvent) is a third trial in each watch-fire pair")
	}
	fmt.Println("the Java client is not compared by this tool")
	switch {
	case *pin:
		fmt.Printf("pinned: server (pid %d, all threads) on CPU 0, trial processes on CPU 1\n", *serverPID)
	case *serverPID > 0:
		fmt.Printf("not pinned: server (pid %d) and trials share the machine's %d CPUs\n", *serverPID, runtime.NumCPU())
	default:
		fmt.Println("server CPU not measured: its process is not local (see -server-pid)")
	}
	fmt.Println()
	writeTable(os.Stdout, plan, results, *pin)
	return nil
}

// treeBoot is the TreeCache bootstrap workload: one op is a load of a
// tree of N nodes (its -watches).
const treeBoot = "tree-boot"

// makePlan lists the items of a run: each workload once, or once per
// count for those that take a watch or node count.
func makePlan(names []string, counts map[string][]int) ([]item, error) {
	var plan []item
	for _, name := range names {
		if _, err := bench.Lookup(name); err != nil {
			return nil, err
		}
		ns, ok := counts[name]
		if !ok {
			plan = append(plan, item{name, 0})
			continue
		}
		for _, n := range ns {
			plan = append(plan, item{name, n})
		}
	}
	return plan, nil
}

// pairOrder is the order of the clients in pair t: rotated by one each
// pair (for two: alternated), so that none always runs first (after
// another's trial has warmed or loaded the server).
func pairOrder(cs []string, t int) []string {
	k := t % len(cs)
	return append(slices.Clone(cs[k:]), cs[:k]...)
}

// cpuModel is the first "model name" of /proc/cpuinfo, or "?".
func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// localPID is the pid of the server process when the first server is
// local, else 0 (server CPU is then not measured).
func localPID(addrs string) int {
	pid, err := bench.ServerPID(strings.Split(addrs, ",")[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare: server CPU not measured:", err)
		return 0
	}
	return pid
}

// pinServer moves every thread of the server to CPU 0 and returns the
// prefix that starts a trial process on CPU 1 (util-linux taskset).
func pinServer(pid int) ([]string, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("-pin needs the server's process: a local server, or -server-pid")
	}
	if runtime.NumCPU() < 2 {
		return nil, fmt.Errorf("-pin needs 2 CPUs, this process may use %d", runtime.NumCPU())
	}
	out, err := exec.Command("taskset", "-a", "-p", "-c", "0", strconv.Itoa(pid)).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("pinning the server: taskset: %v: %s", err, out)
	}
	fmt.Fprintf(os.Stderr, "compare: server pid %d pinned to CPU 0; trials run on CPU 1\n", pid)
	return []string{"taskset", "-c", "1"}, nil
}

// loadAvg is the first three fields of /proc/loadavg, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

func human(n int) string {
	if n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}
