package fourletter

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SessionDump is the answer to dump. A leader or standalone server lists
// every session with its next expiry check; a follower lists the global
// sessions with their timeouts (and its local sessions, if enabled).
// Connections are listed only by the NIO connection factory, the default.
type SessionDump struct {
	Sessions []int64                 // in the order listed
	Expiry   map[int64]time.Time     // leader or standalone only
	Timeouts map[int64]time.Duration // follower only
	// Ephemerals are the ephemeral node paths of each session that has any.
	Ephemerals  map[int64][]string
	Connections []DumpConn
}

// DumpConn is one connection of dump's "Connections dump" part.
type DumpConn struct {
	Addr      string // "ip:port"
	SessionID int64  // 0 before the session is set up
	Expiry    time.Time
}

// Dump sends dump to addr and parses the answer.
func Dump(ctx context.Context, addr string) (*SessionDump, error) {
	ans, err := get(ctx, addr, "dump")
	if err != nil {
		return nil, err
	}
	return ParseDump(ans)
}

// javaDate is java.util.Date.toString ("Thu Dec 03 22:00:40 UTC 2026").
const javaDate = "Mon Jan 02 15:04:05 MST 2006"

// ParseDump parses a dump answer: three parts, each after a title line.
func ParseDump(ans string) (*SessionDump, error) {
	if strings.TrimSpace(ans) == notServing {
		return nil, ErrNotServing
	}
	d := &SessionDump{Expiry: map[int64]time.Time{}, Timeouts: map[int64]time.Duration{},
		Ephemerals: map[int64][]string{}}
	part := ""
	var at time.Time // the current expiry bucket's time
	var ephOf int64  // the session whose ephemerals follow
	haveEph := false
	for _, raw := range strings.Split(ans, "\n") {
		raw = strings.TrimRight(raw, "\r")
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		switch line {
		case "SessionTracker dump:", "ephemeral nodes dump:", "Connections dump:":
			part = line
			continue
		}
		indented := raw[0] == '\t' || raw[0] == ' '
		bad := func() (*SessionDump, error) {
			return nil, fmt.Errorf("%w: dump line %q", ErrUnexpected, raw)
		}
		switch part {
		case "SessionTracker dump:":
			if t, ok := expireLine(line); ok {
				at = t
				continue
			}
			if !strings.HasPrefix(line, "0x") {
				continue // titles and counts: "Session Sets (1)/(3):", "Global Sessions(3):"
			}
			idText, rest, _ := strings.Cut(line, "\t")
			id, err := parseHex(idText)
			if err != nil {
				return bad()
			}
			d.Sessions = append(d.Sessions, id)
			if ms, ok := strings.CutSuffix(strings.TrimSpace(rest), "ms"); ok {
				n, err := strconv.ParseInt(ms, 10, 64)
				if err != nil {
					return bad()
				}
				d.Timeouts[id] = time.Duration(n) * time.Millisecond
			} else if indented && !at.IsZero() {
				d.Expiry[id] = at
			}
		case "ephemeral nodes dump:":
			switch {
			case indented:
				if !haveEph {
					return bad()
				}
				d.Ephemerals[ephOf] = append(d.Ephemerals[ephOf], line)
			case strings.HasPrefix(line, "0x") && strings.HasSuffix(line, ":"):
				id, err := parseHex(strings.TrimSuffix(line, ":"))
				if err != nil {
					return bad()
				}
				ephOf, haveEph = id, true
			}
		case "Connections dump:":
			if t, ok := expireLine(line); ok {
				at = t
				continue
			}
			ip, ok := strings.CutPrefix(line, "ip: ")
			if !ok {
				continue // "Connections Sets (1)/(4):"
			}
			addr, sid, ok := strings.Cut(ip, " sessionId: ")
			if !ok {
				return bad()
			}
			id, err := parseHex(sid)
			if err != nil {
				return bad()
			}
			if i := strings.LastIndexByte(addr, '/'); i >= 0 {
				addr = addr[i+1:]
			}
			d.Connections = append(d.Connections, DumpConn{Addr: addr, SessionID: id, Expiry: at})
		default:
			return bad()
		}
	}
	if part == "" {
		return nil, fmt.Errorf("%w: dump answer %q", ErrUnexpected, ans)
	}
	return d, nil
}

// expireLine reads "3 expire at Thu Dec 03 22:00:40 UTC 2026:"; a date
// it cannot read gives the zero time.
func expireLine(line string) (time.Time, bool) {
	_, when, ok := strings.Cut(line, " expire at ")
	if !ok {
		return time.Time{}, false
	}
	t, _ := time.Parse(javaDate, strings.TrimSuffix(when, ":"))
	return t, true
}
