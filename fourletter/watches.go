package fourletter

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// The watch words list the server's data-watch table only: exists,
// getData and persistent watches, not child watches (protocol.md §9).

// WatchSummary is the answer to wchs.
type WatchSummary struct {
	Connections int // connections with at least one watch
	Paths       int // watched paths
	Watches     int // watches in all
}

// Wchs sends wchs to addr and parses the answer.
func Wchs(ctx context.Context, addr string) (*WatchSummary, error) {
	ans, err := get(ctx, addr, "wchs")
	if err != nil {
		return nil, err
	}
	return ParseWchs(ans)
}

// ParseWchs parses "N connections watching M paths" and "Total watches:K".
func ParseWchs(ans string) (*WatchSummary, error) {
	if strings.TrimSpace(ans) == notServing {
		return nil, ErrNotServing
	}
	var w WatchSummary
	haveHead, haveTotal := false, false
	for _, line := range strings.Split(ans, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "Total watches:"):
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "Total watches:")))
			if err != nil {
				return nil, fmt.Errorf("%w: wchs line %q", ErrUnexpected, line)
			}
			w.Watches, haveTotal = n, true
		default:
			if _, err := fmt.Sscanf(line, "%d connections watching %d paths", &w.Connections, &w.Paths); err != nil {
				return nil, fmt.Errorf("%w: wchs line %q", ErrUnexpected, line)
			}
			haveHead = true
		}
	}
	if !haveHead || !haveTotal {
		return nil, fmt.Errorf("%w: wchs answer %q", ErrUnexpected, ans)
	}
	return &w, nil
}

// Wchc sends wchc to addr and returns the watched paths of each session
// (sessions without watches are absent).
func Wchc(ctx context.Context, addr string) (map[int64][]string, error) {
	ans, err := get(ctx, addr, "wchc")
	if err != nil {
		return nil, err
	}
	return ParseWchc(ans)
}

// Wchp sends wchp to addr and returns the sessions watching each path.
func Wchp(ctx context.Context, addr string) (map[string][]int64, error) {
	ans, err := get(ctx, addr, "wchp")
	if err != nil {
		return nil, err
	}
	return ParseWchp(ans)
}

// ParseWchc parses a wchc answer: a "0x<session id>" line, then one
// indented line per watched path, for each session.
func ParseWchc(ans string) (map[int64][]string, error) {
	out := map[int64][]string{}
	err := parseGroups(ans, "wchc", func(head string) (func(string) error, error) {
		id, err := parseHex(head)
		if err != nil {
			return nil, err
		}
		if _, ok := out[id]; !ok {
			out[id] = nil
		}
		return func(p string) error { out[id] = append(out[id], p); return nil }, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ParseWchp parses a wchp answer: a path line, then one indented
// "0x<session id>" line per watching session, for each path.
func ParseWchp(ans string) (map[string][]int64, error) {
	out := map[string][]int64{}
	err := parseGroups(ans, "wchp", func(head string) (func(string) error, error) {
		if !strings.HasPrefix(head, "/") {
			return nil, fmt.Errorf("not a path")
		}
		if _, ok := out[head]; !ok {
			out[head] = nil
		}
		return func(s string) error {
			id, err := parseHex(s)
			out[head] = append(out[head], id)
			return err
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parseGroups reads the "head line, then indented item lines" shape of
// wchc, wchp and parts of dump. head starts a group and returns what to do
// with its items.
func parseGroups(ans, word string, head func(string) (func(string) error, error)) error {
	if strings.TrimSpace(ans) == notServing {
		return ErrNotServing
	}
	var item func(string) error
	for _, line := range strings.Split(ans, "\n") {
		line = strings.TrimRight(line, "\r")
		var err error
		switch {
		case strings.TrimSpace(line) == "":
		case line[0] == '\t' || line[0] == ' ':
			if item == nil {
				return fmt.Errorf("%w: %s line %q before any group", ErrUnexpected, word, line)
			}
			err = item(strings.TrimSpace(line))
		default:
			item, err = head(line)
		}
		if err != nil {
			return fmt.Errorf("%w: %s line %q: %v", ErrUnexpected, word, line, err)
		}
	}
	return nil
}
