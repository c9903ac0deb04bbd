package zktest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/zkwire/zk/fourletter"
)

// FourLetter sends a four-letter word (ruok, srvr, stat, mntr, cons, wchs,
// wchc, wchp, isro, ...) to addr on a fresh connection and returns the
// whole answer (package fourletter parses them). A server that never
// answers (one still starting, protocol.md §12.3) costs at most 5 s or
// ctx's deadline, whichever is sooner.
//
// A word missing from the server's whitelist fails with an error wrapping
// fourletter.ErrNotWhitelisted; the answer is still returned.
func FourLetter(ctx context.Context, addr, cmd string) (string, error) {
	ans, err := fourletter.Raw(ctx, addr, cmd)
	if err != nil {
		return ans, fmt.Errorf("zktest: %w", err)
	}
	return ans, nil
}

// ParseMode returns the "Mode: " value of a srvr or stat answer
// ("standalone", "leader", "follower", "observer", "read-only"), or "" when
// there is none (a server that is not serving says so instead).
func ParseMode(srvr string) string {
	for _, line := range strings.Split(srvr, "\n") {
		if m, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "Mode: "); ok {
			return strings.TrimSpace(m)
		}
	}
	return ""
}

// ParseConnections returns the "Connections: " value of a srvr answer
// (which counts the connection that asked).
func ParseConnections(srvr string) (int, error) {
	s, err := fourletter.ParseSrvr(srvr)
	if err != nil {
		return 0, fmt.Errorf("zktest: %w", err)
	}
	return s.Connections, nil
}

// ParseTotalWatches returns K from the "Total watches:K" line of a wchs
// answer.
func ParseTotalWatches(wchs string) (int, error) {
	w, err := fourletter.ParseWchs(wchs)
	if err != nil {
		return 0, fmt.Errorf("zktest: %w", err)
	}
	return w.Watches, nil
}

// ParseWatchesBySession parses a wchc answer: a "0x<session id>" line, then
// one indented line per watched path, for each session with watches.
func ParseWatchesBySession(wchc string) (map[int64][]string, error) {
	m, err := fourletter.ParseWchc(wchc)
	if err != nil {
		return nil, fmt.Errorf("zktest: %w", err)
	}
	return m, nil
}

// probeSrvr asks srvr for the server's mode; "" with a nil error means
// the server runs but does not serve yet.
func probeSrvr(ctx context.Context, addr string) (string, error) {
	s, err := fourletter.Srvr(ctx, addr)
	if errors.Is(err, fourletter.ErrNotServing) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return s.Mode, nil
}
