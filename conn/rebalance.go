package conn

// Changing the server list at run time (ensemble tracking, or by hand),
// with the load rebalancing of Java's StaticHostProvider.updateServerList
// (ZOOKEEPER-1355). When an ensemble grows from N to M servers, each
// client moves with probability 1-N/M, to one of the new servers, so that
// every server ends up with about 1/M of the clients, and only the share
// of clients that has to move reconnects. A client whose server left the
// list must move; it chooses between the surviving and the new servers
// with weights that keep the spread even. A client whose server stays in a
// list that shrank (or kept its size) stays.
//
// Moving closes the current connection (as the read-only prober does):
// calls in flight fail with connection loss, queued ones wait for the next
// connection, and the session, its watches and ephemeral nodes are kept.

import (
	"errors"
	"math/rand/v2"
)

// errRebalance is why a connection is closed to move the client.
var errRebalance = errors.New("zk: server list changed; moving to rebalance the load")

// UpdateServers replaces the server list ("host:port" each, checked as
// Config.Servers is; duplicates are dropped). If the rebalancing rule says
// this client should move, it closes the current connection and
// reconnects to the server the rule chose, keeping the session. A list
// naming the same servers as the current one changes nothing. It is
// refused (ErrInvalidArgument) with a Config.HostProvider, which picks
// the servers itself.
func (c *Conn) UpdateServers(servers []string) error {
	if c.cfg.HostProvider != nil {
		return invalidConfig("the HostProvider picks the servers; update it instead")
	}
	var list []string
	for _, s := range servers {
		if err := checkServer(s); err != nil {
			return err
		}
		if indexAddr(list, s) < 0 {
			list = append(list, s)
		}
	}
	if len(list) == 0 {
		return invalidConfig("no servers")
	}
	c.mu.Lock()
	cur, server := c.cur, c.server
	c.mu.Unlock()
	if !c.hosts.update(list, server) {
		return nil
	}
	c.log.Info("zk: server list changed; moving to rebalance", "from", server, "servers", list)
	if cur != nil {
		cur.die(errRebalance)
	}
	return nil
}

// Servers returns the current server list, in the order it is walked.
func (c *Conn) Servers() []string { return c.hosts.list() }

// update installs servers (checked and without duplicates) and reports
// whether the client should move: the rule of updateServerList. current
// is the server connected to, "" if none, in which case the server being
// tried (or last used) stands for it.
func (h *hostList) update(servers []string, current string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if sameSet(servers, h.addrs) {
		return false
	}
	shuffled := append([]string(nil), servers...)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })

	my := current
	if h.reconfig {
		// A move from an earlier update is under way: where it would go
		// stands for the current server (as in Java).
		my = h.nextReconfig()
	}
	if my == "" {
		my = h.current
	}
	if my == "" {
		my = h.addrs[0]
	}
	stays := indexAddr(shuffled, my) >= 0

	h.olds, h.news = h.olds[:0], h.news[:0]
	for _, a := range shuffled {
		if indexAddr(h.addrs, a) >= 0 {
			h.olds = append(h.olds, a)
		} else {
			h.news = append(h.news, a)
		}
	}
	n, m := len(h.addrs), len(shuffled)
	numOld := len(h.olds)
	move := false
	switch {
	case m > n && stays:
		// Grown: shed this server's excess load, 1-N/M of its clients.
		if h.rnd() < 1-float64(n)/float64(m) {
			move, h.probNew = true, 1
		}
	case m > n:
		move, h.probNew = true, 1
	case stays:
		// Same size or shrunk: this server must take more load, not less.
	default:
		// The server left: go to a survivor with probOld, chosen so that
		// the survivors and the new servers end up with equal shares.
		probOld := 1.0
		if n > numOld {
			probOld = float64(numOld*(n-m)) / float64(m*(n-numOld))
		} else if len(h.news) > 0 {
			probOld = float64(numOld) / float64(m)
		}
		move, h.probNew = true, 1-probOld
	}
	h.addrs = shuffled
	h.reconfig = move
	h.nextOld, h.nextNew = 0, 0
	h.next = 0
	if !move {
		if i := indexAddr(shuffled, my); i >= 0 {
			h.next = (i + 1) % m
		}
	}
	return move
}

// nextReconfig picks the next server of a move: a new one with
// probability probNew, else a surviving one, each group walked in order;
// once a group is used up, the other. It returns "" (and ends the move)
// when every server of both groups was tried. mu must be held.
func (h *hostList) nextReconfig() string {
	if !h.reconfig {
		return ""
	}
	takeNew := h.rnd() < h.probNew
	if h.nextNew < len(h.news) && (takeNew || h.nextOld >= len(h.olds)) {
		h.nextNew++
		return h.news[h.nextNew-1]
	}
	if h.nextOld < len(h.olds) {
		h.nextOld++
		return h.olds[h.nextOld-1]
	}
	h.reconfig = false
	return ""
}

// sameSet reports whether a and b hold the same servers.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if indexAddr(b, x) < 0 {
			return false
		}
	}
	return true
}
