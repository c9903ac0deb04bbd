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

	"github.com/zkwire/zk/fourletter"
)

// Ensemble is a quorum of servers on loopback ports, member i (from 0) with
// myid i+1. Stop, restart or kill one member through its *Server; its
// Start waits until it has rejoined as leader or follower.
type Ensemble struct {
	dir  string
	in   install
	opts options

	mu      sync.Mutex
	servers []*Server // guarded by mu; AddServer appends
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
	e := &Ensemble{dir: dir, in: in, opts: o}
	// Four ports per member: client, quorum, election, AdminServer.
	ports, err := freePorts(4 * n)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	var specs []string
	for i := 0; i < n; i++ {
		specs = append(specs, memberSpec(i+1, ports[3*i], ports[3*i+1], ports[3*i+2]))
	}
	for i := 0; i < n; i++ {
		s := e.newMember(i+1, ports[3*i], ports[3*n+i], specs[i])
		e.servers = append(e.servers, s)
		if err := e.writeMember(s, specs, n == 1); err != nil {
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

// memberSpec is a member's line of the servers list. The client address
// after ';' is what a dynamic config needs (and what reconfig's joining
// servers must carry); a static list ignores it.
func memberSpec(id, client, quorum, election int) string {
	return fmt.Sprintf("server.%d=127.0.0.1:%d:%d:participant;127.0.0.1:%d", id, quorum, election, client)
}

func (e *Ensemble) newMember(id, port, adminPort int, spec string) *Server {
	if !e.opts.admin {
		adminPort = 0
	}
	return &Server{dir: filepath.Join(e.dir, "node"+strconv.Itoa(id)), port: port, adminPort: adminPort, in: e.in,
		quorum: true, mainClass: quorumMain, startTimeout: e.opts.startTimeout, myid: id, spec: spec}
}

// writeMember writes s's directory: zoo.cfg with the servers list in it,
// or, WithReconfig, with a dynamic config file that holds the list.
func (e *Ensemble) writeMember(s *Server, servers []string, alone bool) error {
	o := e.opts
	extra := append([]string{"initLimit=10", "syncLimit=5"}, adminConfig(s.adminPort)...)
	if alone || o.reconfig {
		// Else one server line means a standalone server (and a reconfig
		// could not shrink the ensemble to one member).
		extra = append(extra, "standaloneEnabled=false")
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return err
	}
	if err := s.prepare(o); err != nil {
		return err
	}
	if o.reconfig {
		dyn := filepath.Join(s.dir, "zoo.cfg.dynamic")
		if err := os.WriteFile(dyn, []byte(strings.Join(servers, "\n")+"\n"), 0o644); err != nil {
			return err
		}
		extra = append(extra, "dynamicConfigFile="+dyn)
	} else {
		extra = append(extra, servers...)
	}
	if err := s.writeConfig(baseConfig(o, s.dataDir(), s.port, extra...)); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.dataDir(), "myid"), []byte(strconv.Itoa(s.myid)+"\n"), 0o644)
}

// AddServer starts a new member with the next myid, for a reconfig to
// add; the ensemble must have been started WithReconfig. The member's
// dynamic config is the current membership (as conf reports it from a
// running member) plus itself, so it finds the leader and syncs as a
// non-voting follower; AddServer returns once it says follower. Then
//
//	c.IncrementalReconfig(ctx, []string{s.QuorumSpec()}, nil, -1)
//
// makes it a voting member. It joins Servers, and Close stops it.
func (e *Ensemble) AddServer(ctx context.Context) (*Server, error) {
	if !e.opts.reconfig {
		return nil, fmt.Errorf("zktest: AddServer needs an ensemble started WithReconfig")
	}
	var members []string
	var errs []error
	for _, s := range e.Servers() {
		if !s.Running() {
			continue
		}
		conf, err := fourletter.Conf(ctx, s.Addr())
		if err == nil && len(conf.Members) > 0 {
			members = conf.Members
			break
		}
		errs = append(errs, err)
	}
	if members == nil {
		return nil, fmt.Errorf("zktest: no running member told its membership: %w", errors.Join(errs...))
	}
	e.mu.Lock()
	id := 0
	for _, s := range e.servers {
		id = max(id, s.myid)
	}
	id++
	e.mu.Unlock()
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	s := e.newMember(id, ports[0], ports[3], memberSpec(id, ports[0], ports[1], ports[2]))
	if err := e.writeMember(s, append(members, s.spec), false); err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.servers = append(e.servers, s)
	e.mu.Unlock()
	if err := s.Start(); err != nil {
		return s, err
	}
	return s, nil
}

// Servers returns the members, in myid order.
func (e *Ensemble) Servers() []*Server {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*Server(nil), e.servers...)
}

// Addrs returns the members' client addresses, in myid order.
func (e *Ensemble) Addrs() []string {
	var out []string
	for _, s := range e.Servers() {
		out = append(out, s.Addr())
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
	for i, s := range e.Servers() {
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
	for _, s := range e.Servers() {
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
	servers := e.Servers()
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
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
