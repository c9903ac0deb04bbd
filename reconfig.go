package zk

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/zkwire/zk/proto"
)

// ConfigNode holds the ensemble's membership: one "server.N=..." line per
// member and "version=<hex>". Config and ConfigW read it whatever the
// chroot, as the Java client's getConfig does.
const ConfigNode = "/zookeeper/config"

// Config returns the ensemble's membership config (the data of
// ConfigNode) and its Stat. A standalone server's is empty.
func (c *Client) Config(ctx context.Context) ([]byte, *Stat, error) {
	resp := &proto.GetDataResponse{}
	// Not chroot-prefixed: the node is outside every chroot.
	if _, err := c.do(ctx, "config", ConfigNode, proto.OpGetData, &proto.GetDataRequest{Path: ConfigNode}, resp); err != nil {
		return nil, nil, err
	}
	return resp.Data, &resp.Stat, nil
}

// ConfigW is Config plus a one-shot watch that fires when the membership
// changes. It is not available under a chroot (ErrInvalidArgument): watches
// are kept, re-registered and removed by chroot-relative path, and this
// one lies outside it.
func (c *Client) ConfigW(ctx context.Context) ([]byte, *Stat, *Watch, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, nil, nil, opErr("configW", ConfigNode, err)
	}
	if c.chroot != "" {
		return nil, nil, nil, opErr("configW", ConfigNode, invalid("no config watch under a chroot; use Config"))
	}
	return c.GetW(ctx, ConfigNode)
}

// IncrementalReconfig changes the ensemble's membership: joining servers
// ("server.4=host:quorumPort:electionPort:participant;clientHost:clientPort")
// are added, or updated if their id is a member, and leaving server ids
// ("3") are removed. fromConfig is the version of the config the change
// applies to (ConfigVersion of Config's data; ErrBadVersion if it is no
// longer current), or -1 for whatever config is current. It returns the
// new config and the Stat of ConfigNode.
//
// The servers must allow it: reconfigEnabled=true (else
// ErrReconfigDisabled), and the session must be allowed to write
// ConfigNode, by default only a superuser (else ErrNoAuth). A standalone
// server answers ErrUnimplemented. Other refusals: ErrNewConfigNoQuorum
// (the new members are not a synced quorum yet), ErrReconfigInProgress,
// ErrBadArguments.
func (c *Client) IncrementalReconfig(ctx context.Context, joining, leaving []string, fromConfig int64) ([]byte, *Stat, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, nil, opErr("reconfig", "", err)
	}
	joining, leaving = trimAll(joining), trimAll(leaving)
	if err := checkReconfig(joining, leaving, fromConfig); err != nil {
		return nil, nil, opErr("reconfig", "", err)
	}
	return c.reconfig(ctx, &proto.ReconfigRequest{
		JoiningServers: strings.Join(joining, ","),
		LeavingServers: strings.Join(leaving, ","),
		CurConfigID:    fromConfig,
	})
}

// Reconfig replaces the ensemble's membership with members, as
// "server.N=..." lines (for hierarchical quorums also "group.N=..." and
// "weight.N=..."). fromConfig, the result and the errors are
// IncrementalReconfig's.
func (c *Client) Reconfig(ctx context.Context, members []string, fromConfig int64) ([]byte, *Stat, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, nil, opErr("reconfig", "", err)
	}
	members = trimAll(members)
	if err := checkMembers(members, fromConfig); err != nil {
		return nil, nil, opErr("reconfig", "", err)
	}
	return c.reconfig(ctx, &proto.ReconfigRequest{NewMembers: strings.Join(members, ","), CurConfigID: fromConfig})
}

func (c *Client) reconfig(ctx context.Context, req *proto.ReconfigRequest) ([]byte, *Stat, error) {
	resp := &proto.GetDataResponse{}
	if _, err := c.do(ctx, "reconfig", "", proto.OpReconfig, req, resp); err != nil {
		return nil, nil, err
	}
	return resp.Data, &resp.Stat, nil
}

// ConfigVersion returns the version of a config (its "version=<hex>"
// line), the fromConfig of a reconfig meant for exactly that config.
func ConfigVersion(config []byte) (int64, error) {
	for _, line := range bytes.Split(config, []byte("\n")) {
		if v, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("version=")); ok {
			n, err := strconv.ParseInt(string(v), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("zk: config version %q: %w", v, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("zk: no version line in config %q", config)
}

// checkReconfig rejects what the server would refuse unclearly: 3.8
// answers a leaving id or joining server id that is not a number with
// MARSHALLINGERROR (its Long.parseLong error escapes the reconfig code;
// seen against the real server), which says nothing about the argument.
// A spec the server can parse but not use (no client port) is left to its
// ErrBadArguments.
func checkReconfig(joining, leaving []string, fromConfig int64) error {
	if len(joining) == 0 && len(leaving) == 0 {
		return invalid("no joining and no leaving servers")
	}
	if fromConfig < -1 {
		return invalid("config version %d (-1 for any)", fromConfig)
	}
	for _, j := range joining {
		key, spec, ok := strings.Cut(j, "=")
		id, isServer := strings.CutPrefix(strings.TrimSpace(key), "server.")
		if !ok || !isServer || !isID(id) || strings.TrimSpace(spec) == "" || hasSeparator(j) {
			return invalid("joining server %q: want server.<id>=<address spec>", j)
		}
	}
	for _, l := range leaving {
		if !isID(l) {
			return invalid("leaving server %q: want a server id", l)
		}
	}
	return nil
}

func checkMembers(members []string, fromConfig int64) error {
	if len(members) == 0 {
		return invalid("no members")
	}
	if fromConfig < -1 {
		return invalid("config version %d (-1 for any)", fromConfig)
	}
	servers := 0
	for _, m := range members {
		key, val, ok := strings.Cut(m, "=")
		key = strings.TrimSpace(key)
		if !ok || strings.TrimSpace(val) == "" || hasSeparator(m) {
			return invalid("member %q: want server.<id>=<address spec>", m)
		}
		if id, isServer := strings.CutPrefix(key, "server."); isServer {
			if !isID(id) {
				return invalid("member %q: bad server id", m)
			}
			servers++
		}
	}
	if servers == 0 {
		return invalid("no server.<id>= member")
	}
	return nil
}

// trimAll returns list with each entry's surrounding white space cut: a
// member written as a config line ("server.2=...\n", as go-zookeeper's
// users do) means the same member, and only a separator inside an entry
// would change what the server reads.
func trimAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

// isID reports whether s is a server id: decimal digits.
func isID(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// hasSeparator reports whether s would split into more list entries: the
// server splits the joined lists at commas (and members at newlines).
func hasSeparator(s string) bool { return strings.ContainsAny(s, ",\n\r") }
