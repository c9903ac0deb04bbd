package fourletter

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Config is the answer to conf: the server's settings as key=value lines,
// and for a quorum member, after a "membership: " line, the ensemble's
// members as /zookeeper/config holds them.
type Config struct {
	Values map[string]string // clientPort, dataDir, tickTime, serverId, ...
	// Members are the "server.N=host:quorumPort:electionPort:role[;client]"
	// lines, empty on a standalone server.
	Members []string
	// MembershipVersion is the config version ("version=" in hex); 0 on a
	// standalone server.
	MembershipVersion int64
}

// Conf sends conf to addr and parses the answer.
func Conf(ctx context.Context, addr string) (*Config, error) {
	ans, err := get(ctx, addr, "conf")
	if err != nil {
		return nil, err
	}
	return ParseConf(ans)
}

// ParseConf parses a conf answer.
func ParseConf(ans string) (*Config, error) {
	if strings.TrimSpace(ans) == notServing {
		return nil, ErrNotServing
	}
	c := &Config{Values: map[string]string{}}
	members := false
	for _, line := range strings.Split(ans, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if line == "membership:" {
			members = true
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%w: conf line %q", ErrUnexpected, line)
		}
		switch {
		case members && strings.HasPrefix(k, "server."):
			c.Members = append(c.Members, line)
		case members && k == "version":
			n, err := strconv.ParseInt(v, 16, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: conf line %q", ErrUnexpected, line)
			}
			c.MembershipVersion = n
		default:
			c.Values[k] = v
		}
	}
	if len(c.Values) == 0 {
		return nil, fmt.Errorf("%w: conf answer %q", ErrUnexpected, ans)
	}
	return c, nil
}

// Envi sends envi to addr and returns the server's environment
// (zookeeper.version, java.version, os.name, user.dir, ...).
func Envi(ctx context.Context, addr string) (map[string]string, error) {
	ans, err := get(ctx, addr, "envi")
	if err != nil {
		return nil, err
	}
	return ParseEnvi(ans)
}

// ParseEnvi parses an envi answer: "Environment:", then key=value lines.
func ParseEnvi(ans string) (map[string]string, error) {
	lines := strings.Split(ans, "\n")
	if strings.TrimSpace(lines[0]) != "Environment:" {
		return nil, fmt.Errorf("%w: envi answer %q", ErrUnexpected, ans)
	}
	env := map[string]string{}
	for _, line := range lines[1:] {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%w: envi line %q", ErrUnexpected, line)
		}
		env[k] = v
	}
	return env, nil
}
