package bench

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWorkloadsSmoke runs every workload for a few operations against the
// test server and checks that its figures are sane. It times nothing.
func TestWorkloadsSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root := fmt.Sprintf("/smoke-%d", time.Now().UnixNano())
	pid := serverPID(t)
	for _, w := range Workloads {
		t.Run(w.Name, func(t *testing.T) {
			conns := new(ConnCounter)
			cfg := Config{
				Servers: srv.Addrs(), Client: CountedZK(conns), Helper: ZK, Root: root,
				Ops: 40, Watches: 60, Changes: 10, Cut: 100 * time.Millisecond,
				Conns: conns, ServerPID: pid,
			}
			r, err := Run(ctx, cfg, w.Name)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", r)
			if r.Client != "zk" || r.Workload != w.Name {
				t.Errorf("labels = %q %q", r.Client, r.Workload)
			}
			if r.Ops <= 0 || r.Errors != 0 {
				t.Errorf("ops = %d, errors = %d", r.Ops, r.Errors)
			}
			if r.Seconds <= 0 || r.OpsPerS <= 0 || r.CPUPerOpUs < 0 || r.AllocsPerOp <= 0 || r.MaxRSSMB <= 0 {
				t.Errorf("rates and costs not all positive: %+v", r)
			}
			// The client under test reads every reply and event (the
			// helper's connections are not counted); it writes in the
			// operation workloads, where every op is a request, but need
			// not while it only waits for events. Server CPU is not
			// checked: 40 ops may cost less than its 10 ms tick.
			wantWrites := !strings.HasPrefix(w.Name, "watch-")
			if r.ReadsPerOp <= 0 || wantWrites && r.WritesPerOp <= 0 || r.CtxSwitchesPerOp < 0 || r.ServerCPUPerOpUs < 0 {
				t.Errorf("socket and switch counts: %+v", r)
			}
			if !(0 < r.P50us && r.P50us <= r.P90us && r.P90us <= r.P99us && r.P99us <= r.P999us) {
				t.Errorf("percentiles out of order: %v %v %v %v", r.P50us, r.P90us, r.P99us, r.P999us)
			}
			switch w.Name {
			case "watch-fire":
				// RSS moves in pages: for 60 watches it is not checked.
				// A reader goroutine per watch costs heap (its g).
				if r.Ops != 60 || r.Watches != 60 || r.RegisterS <= 0 || r.DeliverS <= 0 || r.HeapPerWatch <= 0 ||
					r.HeapPerWatchDelivery <= r.HeapPerWatch || r.SetterApart {
					t.Errorf("watch figures: %+v", r)
				}
			case "watch-reconnect":
				// The client reports the cut before the watches are back,
				// and reconnects after the cut's 100 ms.
				if r.Ops != 10 || r.RegisterS <= 0 || r.RestoredS < 0.1 || r.RecoverS < r.RestoredS ||
					r.DetectS <= 0 || r.DetectS >= r.RestoredS || r.RewatchS <= 0 || r.RewatchS > r.RestoredS-0.1 {
					t.Errorf("watch figures: %+v", r)
				}
			default:
				if r.Ops != 40 {
					t.Errorf("ops = %d, want the budget of 40", r.Ops)
				}
			}
		})
	}
}

// serverPID is the test server's JVM, found from its port.
func serverPID(t *testing.T) int {
	t.Helper()
	_, port, _ := net.SplitHostPort(srv.Addr())
	p, _ := strconv.Atoi(port)
	pid, err := ListeningPID(p)
	if err != nil {
		t.Fatal(err)
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil || strings.TrimSpace(string(comm)) != "java" {
		t.Fatalf("pid %d listening on %s is %q (%v), not the server's JVM", pid, srv.Addr(), comm, err)
	}
	return pid
}

// TestConfigErrors checks that bad settings are refused before anything
// is sent.
func TestConfigErrors(t *testing.T) {
	ctx := context.Background()
	cases := map[string]Config{
		"no servers": {Client: ZK},
		"no client":  {Servers: []string{"127.0.0.1:1"}},
		"negative":   {Servers: []string{"127.0.0.1:1"}, Client: ZK, Ops: -1},
	}
	for name, cfg := range cases {
		if _, err := Run(ctx, cfg, "get-seq"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Run(ctx, Config{Servers: []string{"127.0.0.1:1"}, Client: ZK}, "nope"); err == nil {
		t.Error("unknown workload: no error")
	}
}

// TestPercentiles checks the percentile picks on a known distribution.
func TestPercentiles(t *testing.T) {
	lat := make([]time.Duration, 1000)
	for i := range lat {
		lat[len(lat)-1-i] = time.Duration(i+1) * time.Microsecond
	}
	var r Result
	r.setLatencies(lat)
	if r.P50us != 501 || r.P90us != 901 || r.P99us != 991 || r.P999us != 1000 {
		t.Fatalf("percentiles = %v %v %v %v", r.P50us, r.P90us, r.P99us, r.P999us)
	}
}

// TestWatchFireCallbackForm runs watch-fire with zk's callback form, and
// checks that a client without the form is refused.
func TestWatchFireCallbackForm(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := Config{
		Servers: srv.Addrs(), Client: ZK, Helper: ZK, Root: fmt.Sprintf("/smoke-cb-%d", time.Now().UnixNano()),
		Watches: 60, Callback: true,
	}
	r, err := Run(ctx, cfg, "watch-fire")
	if err != nil {
		t.Fatal(err)
	}
	if r.Ops != 60 || r.Errors != 0 || r.HeapPerWatch <= 0 || r.DeliverS <= 0 || r.P99us <= 0 {
		t.Errorf("callback form figures: %+v", r)
	}
	// No reader goroutine per watch: delivery adds next to nothing.
	if r.HeapPerWatchDelivery >= r.HeapPerWatch+100 {
		t.Errorf("callback form: heap per watch %v, %v with delivery", r.HeapPerWatch, r.HeapPerWatchDelivery)
	}
	cfg.Client = func(ctx context.Context, servers []string) (Client, error) {
		c, err := ZK(ctx, servers)
		return struct{ Client }{c}, err // the Client methods only: no GetWFunc
	}
	if _, err := Run(ctx, cfg, "watch-fire"); err == nil || !strings.Contains(err.Error(), "no callback form") {
		t.Fatalf("a client without the callback form: err = %v", err)
	}
}

// TestStatmResident checks the parse of /proc/<pid>/statm.
func TestStatmResident(t *testing.T) {
	if got, err := parseStatmResident("2746 471 345 291 0 221 0\n"); err != nil || got != 471 {
		t.Fatalf("parseStatmResident = %d, %v; want 471", got, err)
	}
	if _, err := parseStatmResident("2746"); err == nil {
		t.Fatal("one field: no error")
	}
}

// TestWatchFireSetter checks watch-fire with the changes made through
// Config.Setter: ready starts the measured phase, the send times it
// returns give the notify latencies, and the result says the setter was
// apart. (Here the setter is a second session in this process; compare
// runs it in another.)
func TestWatchFireSetter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var readyCalls int
	setter := func(ctx context.Context, paths []string, conc int, ready func()) ([]time.Time, error) {
		c, err := ZK(ctx, srv.Addrs())
		if err != nil {
			return nil, err
		}
		defer c.Close()
		ready()
		readyCalls++
		sent := make([]time.Time, len(paths))
		for i, p := range paths {
			sent[i] = time.Now()
			if err := c.Set(ctx, p, []byte("x")); err != nil {
				return nil, err
			}
		}
		return sent, nil
	}
	cfg := Config{
		Servers: srv.Addrs(), Client: ZK, Helper: ZK, Root: fmt.Sprintf("/smoke-setter-%d", time.Now().UnixNano()),
		Watches: 30, Setter: setter,
	}
	r, err := Run(ctx, cfg, "watch-fire")
	if err != nil {
		t.Fatal(err)
	}
	if readyCalls != 1 || !r.SetterApart || r.Ops != 30 || r.Errors != 0 || r.P50us <= 0 || r.DeliverS <= 0 {
		t.Fatalf("ready called %d times; %+v", readyCalls, r)
	}
	// A setter that fails is the run's error.
	cfg.Setter = func(context.Context, []string, int, func()) ([]time.Time, error) { return nil, fmt.Errorf("no setter") }
	if _, err := Run(ctx, cfg, "watch-fire"); err == nil {
		t.Fatal("failing setter: no error")
	}
}
