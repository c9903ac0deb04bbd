package zktest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Ensemble is a quorum of servers on loopback ports.
type Ensemble struct {
	dir     string
	servers []*Server
}

// StartEnsemble starts n quorum members and waits until each says leader
// or follower. Options apply to every member (WithConfig("localSessionsEnabled=true"),
// WithJVMProperty("readonlymode.enabled", "true"), ...).
func StartEnsemble(n int, opts ...Option) (*Ensemble, error) {
	if n < 1 {
		return nil, errors.New("zktest: ensemble needs at least one server")
	}
	in, err := findInstall()
	if err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	dir, err := os.MkdirTemp("", "zktest-ensemble-")
	if err != nil {
		return nil, err
	}
	e := &Ensemble{dir: dir}
	ports := make([]int, 3*n)
	seen := map[int]bool{}
	for i := range ports {
		for {
			p, err := freePort()
			if err != nil {
				os.RemoveAll(dir)
				return nil, err
			}
			if !seen[p] {
				seen[p] = true
				ports[i] = p
				break
			}
		}
	}
	var members []string
	for i := 0; i < n; i++ {
		members = append(members, fmt.Sprintf("server.%d=127.0.0.1:%d:%d", i+1, ports[3*i+1], ports[3*i+2]))
	}
	for i := 0; i < n; i++ {
		sdir := filepath.Join(dir, "node"+strconv.Itoa(i+1))
		s := &Server{dir: sdir, port: ports[3*i], in: in, quorum: true,
			mainCls: "org.apache.zookeeper.server.quorum.QuorumPeerMain",
			jvm:     append([]string{"-Dznode.container.checkIntervalMs=1000"}, o.jvm...)}
		cfg := append(baseConfig(o, filepath.Join(sdir, "data"), s.port), "initLimit=10", "syncLimit=5")
		cfg = append(cfg, members...)
		if err := s.writeConfig(cfg); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(sdir, "data", "myid"), []byte(strconv.Itoa(i+1)+"\n"), 0o644); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		e.servers = append(e.servers, s)
	}
	for _, s := range e.servers {
		if err := s.launch(); err != nil {
			e.Close()
			return nil, err
		}
	}
	// Members wait on each other, so they are polled together.
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, s := range e.servers {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.waitReady(120 * time.Second) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Servers returns the members, in myid order.
func (e *Ensemble) Servers() []*Server { return e.servers }

// Addrs returns the members' client addresses.
func (e *Ensemble) Addrs() []string {
	out := make([]string, len(e.servers))
	for i, s := range e.servers {
		out[i] = s.Addr()
	}
	return out
}

// ConnectString returns the addresses joined by commas.
func (e *Ensemble) ConnectString() string { return strings.Join(e.Addrs(), ",") }

// Leader returns the index of the member that says it leads.
func (e *Ensemble) Leader(ctx context.Context) (int, error) {
	for i, s := range e.servers {
		if !s.Running() {
			continue
		}
		if m, err := s.Mode(ctx); err == nil && m == "leader" {
			return i, nil
		}
	}
	return -1, errors.New("zktest: no leader")
}

// Close stops every member and removes the directories.
func (e *Ensemble) Close() error {
	var wg sync.WaitGroup
	for _, s := range e.servers {
		wg.Add(1)
		go func() { defer wg.Done(); s.Stop() }()
	}
	wg.Wait()
	return os.RemoveAll(e.dir)
}
