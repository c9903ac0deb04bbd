package fourletter

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Metrics is the answer to mntr: "zk_<name>\t<value>" lines, by name as
// written (with the zk_ prefix: "zk_server_state", "zk_znode_count").
// Which names appear depends on the version and the server's role (a
// leader adds zk_synced_followers, zk_pending_syncs, ...).
type Metrics map[string]string

// Mntr sends mntr to addr and parses the answer.
func Mntr(ctx context.Context, addr string) (Metrics, error) {
	ans, err := get(ctx, addr, "mntr")
	if err != nil {
		return nil, err
	}
	return ParseMntr(ans)
}

// ParseMntr parses a mntr answer.
func ParseMntr(ans string) (Metrics, error) {
	if strings.TrimSpace(ans) == notServing {
		return nil, ErrNotServing
	}
	m := Metrics{}
	for _, line := range strings.Split(ans, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "\t")
		if !ok || !strings.HasPrefix(k, "zk_") {
			return nil, fmt.Errorf("%w: mntr line %q", ErrUnexpected, line)
		}
		m[k] = v
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%w: empty mntr answer", ErrUnexpected)
	}
	return m, nil
}

// Int returns the integer metric name ("zk_znode_count").
func (m Metrics) Int(name string) (int64, error) {
	v, ok := m[name]
	if !ok {
		return 0, fmt.Errorf("fourletter: no metric %s", name)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("fourletter: metric %s=%q is not an integer", name, v)
	}
	return n, nil
}

// Float returns the metric name as a number ("zk_avg_latency").
func (m Metrics) Float(name string) (float64, error) {
	v, ok := m[name]
	if !ok {
		return 0, fmt.Errorf("fourletter: no metric %s", name)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("fourletter: metric %s=%q is not a number", name, v)
	}
	return f, nil
}

// Version parses zk_version.
func (m Metrics) Version() (Version, error) {
	v, ok := m["zk_version"]
	if !ok {
		return Version{}, fmt.Errorf("fourletter: no metric zk_version")
	}
	return ParseVersion(v)
}
