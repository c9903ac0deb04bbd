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

// Ensemble is a quorum of servers on loopback ports, member i (from 0) with
// myid i+1. Stop, restart or kill one member through its *Server; its
// Start waits until it has rejoined as leader or follower.
type Ensemble struct {
	dir     string
	servers []*Server
}

// StartEnsemble starts n quorum members (3 is typical; 1 runs a one-member
// quorum, not a standalone server) and waits until every one says leader
// or follower. Options apply to every member: WithLocalSessions,
// WithReadOnlyMode, WithConfig("reconfigEnabled=true"), ...
func StartEnsemble(n int, opts ...Option) (*Ensemble, error) {
	if n < 1 {
		return nil, fmt.Errorf("zktest: an ensemble of %d servers", n)
	}
	o, err := buildOptions(opts, 90*time.Second)
	if err != nil {
		return nil, err
	}
	in, err := findInstall()
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		e, err := startEnsemble(in, n, o)
		if err == nil || attempt == startAttempts || !errors.Is(err, errPortClash) {
			return e, err
		}
	}
}

func startEnsemble(in install, n int, o options) (*Ensemble, error) {
	dir, err := os.MkdirTemp("", "zktest-ensemble-")
	if err != nil {
		return nil, err
	}
	e := &Ensemble{dir: dir}
	// Three ports per member: client, quorum, election.
	ports, err := freePorts(3 * n)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	extra := []string{"initLimit=10", "syncLimit=5"}
	if n == 1 {
		// Else one server line means a standalone server.
		extra = append(extra, "standaloneEnabled=false")
	}
	for i := 0; i < n; i++ {
		extra = append(extra, fmt.Sprintf("server.%d=127.0.0.1:%d:%d", i+1, ports[3*i+1], ports[3*i+2]))
	}
	for i := 0; i < n; i++ {
		s := &Server{dir: filepath.Join(dir, "node"+strconv.Itoa(i+1)), port: ports[3*i], in: in,
			quorum: true, mainClass: quorumMain, startTimeout: o.startTimeout}
		e.servers = append(e.servers, s)
		err := os.MkdirAll(s.dir, 0o755)
		if err == nil {
			err = s.prepare(o)
		}
		if err == nil {
			err = s.writeConfig(baseConfig(o, s.dataDir(), s.port, extra...))
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(s.dataDir(), "myid"), []byte(strconv.Itoa(i+1)+"\n"), 0o644)
		}
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if err := e.Start(); err != nil {
		clash := false
		for _, s := range e.servers {
			clash = clash || s.portClash()
		}
		e.Close()
		if clash {
			return nil, fmt.Errorf("%w: %w", errPortClash, err)
		}
		return nil, err
	}
	return e, nil
}

// Servers returns the members, in myid order.
func (e *Ensemble) Servers() []*Server { return append([]*Server(nil), e.servers...) }

// Addrs returns the members' client addresses, in myid order.
func (e *Ensemble) Addrs() []string {
	out := make([]string, len(e.servers))
	for i, s := range e.servers {
		out[i] = s.Addr()
	}
	return out
}

// ConnectString returns the client addresses joined by commas.
func (e *Ensemble) ConnectString() string { return strings.Join(e.Addrs(), ",") }

// Leader returns the index in Servers of the one running member that says
// it leads. It is an error when none does (an election in progress, no
// quorum) or more than one does.
func (e *Ensemble) Leader(ctx context.Context) (int, error) {
	leader := -1
	var modes []string
	for i, s := range e.servers {
		if !s.Running() {
			modes = append(modes, "stopped")
			continue
		}
		m, err := s.Mode(ctx)
		if err != nil {
			modes = append(modes, "?")
			continue
		}
		modes = append(modes, m)
		if m == "leader" {
			if leader >= 0 {
				return -1, fmt.Errorf("zktest: two leaders: %s", strings.Join(modes, ", "))
			}
			leader = i
		}
	}
	if leader < 0 {
		return -1, fmt.Errorf("zktest: no leader: %s", strings.Join(modes, ", "))
	}
	return leader, nil
}

// Start launches every member that is not running and waits until each of
// them is leader or follower. Members are launched together: each one's
// readiness depends on the others. If one fails, those it launched are
// killed again; members that were running are left alone.
func (e *Ensemble) Start() error {
	var procs []*process
	var members []*Server
	var errs []error
	for _, s := range e.servers {
		if s.Running() {
			continue
		}
		p, err := s.launch()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		procs, members = append(procs, p), append(members, s)
	}
	if err := errors.Join(errs...); err != nil {
		for i, s := range members {
			s.stopProcess(procs[i], os.Kill)
		}
		return err
	}
	errs = make([]error, len(members))
	var wg sync.WaitGroup
	for i, s := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.waitReady(procs[i], s.startTimeout)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for i, s := range members {
			s.stopProcess(procs[i], os.Kill)
		}
		return err
	}
	return nil
}

// Stop stops every member (SIGTERM, in parallel), keeping their data.
func (e *Ensemble) Stop() error {
	errs := make([]error, len(e.servers))
	var wg sync.WaitGroup
	for i, s := range e.servers {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.Stop() }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close stops every member and removes their directories. It may be
// called more than once.
func (e *Ensemble) Close() error {
	err := e.Stop()
	if rerr := os.RemoveAll(e.dir); err == nil {
		err = rerr
	}
	return err
}
