package fourletter

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Server is the answer to srvr: the server's version, statistics and mode.
type Server struct {
	Version Version
	// ReadOnly: the server is in read-only mode (it says so in a line of
	// its own, and Mode is "read-only").
	ReadOnly bool
	// Latencies of requests, ms. Older servers print an integer average.
	LatencyMin, LatencyMax int64
	LatencyAvg             float64
	Received, Sent         int64 // packets
	Connections            int   // client connections, the asking one included
	Outstanding            int64 // requests queued
	Zxid                   int64 // last zxid processed
	Mode                   string
	NodeCount              int64
	// ProposalSizes is the leader's "last/min/max" line, "" elsewhere.
	ProposalSizes string
	// Other holds "Key: value" lines this package does not know (a newer
	// server's), so that nothing said is lost.
	Other map[string]string
}

// Stats is the answer to stat: srvr's plus the server's client
// connections (in stat's short form: address and packet counts).
type Stats struct {
	Server
	Clients []Conn
}

// Srvr sends srvr to addr and parses the answer.
func Srvr(ctx context.Context, addr string) (*Server, error) {
	ans, err := get(ctx, addr, "srvr")
	if err != nil {
		return nil, err
	}
	return ParseSrvr(ans)
}

// Stat sends stat to addr and parses the answer.
func Stat(ctx context.Context, addr string) (*Stats, error) {
	ans, err := get(ctx, addr, "stat")
	if err != nil {
		return nil, err
	}
	return ParseStat(ans)
}

// ParseSrvr parses a srvr answer.
func ParseSrvr(ans string) (*Server, error) {
	st, err := ParseStat(ans)
	if err != nil {
		return nil, err
	}
	return &st.Server, nil
}

// ParseStat parses a stat answer (or a srvr one: it has no Clients part).
func ParseStat(ans string) (*Stats, error) {
	if strings.TrimSpace(ans) == notServing {
		return nil, ErrNotServing
	}
	st := &Stats{}
	lines := strings.Split(ans, "\n")
	haveVersion, haveMode := false, false
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line == "Clients:" {
			// One connection a line, then an empty line.
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
				c, err := ParseConn(lines[i])
				if err != nil {
					return nil, err
				}
				st.Clients = append(st.Clients, c)
			}
			continue
		}
		if strings.HasPrefix(line, "READ-ONLY mode") {
			st.ReadOnly = true
			continue
		}
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			return nil, fmt.Errorf("%w: stat line %q", ErrUnexpected, line)
		}
		val = strings.TrimSpace(val)
		var err error
		switch key {
		case "Zookeeper version":
			st.Version, err = ParseVersion(val)
			haveVersion = true
		case "Latency min/avg/max":
			err = parseLatency(val, &st.Server)
		case "Received":
			st.Received, err = strconv.ParseInt(val, 10, 64)
		case "Sent":
			st.Sent, err = strconv.ParseInt(val, 10, 64)
		case "Connections":
			st.Connections, err = strconv.Atoi(val)
		case "Outstanding":
			st.Outstanding, err = strconv.ParseInt(val, 10, 64)
		case "Zxid":
			st.Zxid, err = parseHex(val)
		case "Mode":
			st.Mode, haveMode = val, true
		case "Node count":
			st.NodeCount, err = strconv.ParseInt(val, 10, 64)
		case "Proposal sizes last/min/max":
			st.ProposalSizes = val
		default:
			if st.Other == nil {
				st.Other = map[string]string{}
			}
			st.Other[key] = val
		}
		if err != nil {
			return nil, fmt.Errorf("%w: stat line %q: %v", ErrUnexpected, line, err)
		}
	}
	if !haveVersion || !haveMode {
		return nil, fmt.Errorf("%w: no version or mode in %q", ErrUnexpected, ans)
	}
	return st, nil
}

func parseLatency(val string, s *Server) error {
	parts := strings.Split(val, "/")
	if len(parts) != 3 {
		return fmt.Errorf("want min/avg/max")
	}
	var err error
	if s.LatencyMin, err = strconv.ParseInt(parts[0], 10, 64); err != nil {
		return err
	}
	if s.LatencyAvg, err = strconv.ParseFloat(parts[1], 64); err != nil {
		return err
	}
	s.LatencyMax, err = strconv.ParseInt(parts[2], 10, 64)
	return err
}

// parseHex reads "0x..." as the server prints ids and zxids (unsigned, so
// a session id with the top bit set comes back negative, as on the wire).
func parseHex(s string) (int64, error) {
	h, ok := strings.CutPrefix(strings.TrimSpace(s), "0x")
	if !ok {
		return 0, fmt.Errorf("%q is not 0x-hex", s)
	}
	u, err := strconv.ParseUint(h, 16, 64)
	return int64(u), err
}
