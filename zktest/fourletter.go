package zktest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// fourLetterTimeout bounds one four-letter word when ctx allows longer.
const fourLetterTimeout = 5 * time.Second

// FourLetter sends a four-letter word (ruok, srvr, stat, mntr, cons, wchs,
// wchc, wchp, isro, ...) to addr on a fresh connection and returns the
// whole answer. The server closes the connection after answering; a
// server that never does (one still starting, protocol.md §12.3) costs at
// most 5 s or ctx's deadline, whichever is sooner.
//
// A command missing from the server's whitelist is answered with text, not
// an error: "<cmd> is not executed because it is not in the whitelist."
func FourLetter(ctx context.Context, addr, cmd string) (string, error) {
	if len(cmd) != 4 {
		return "", fmt.Errorf("zktest: %q is not a four-letter word", cmd)
	}
	ctx, cancel := context.WithTimeout(ctx, fourLetterTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("zktest: %s to %s: %w", cmd, addr, err)
	}
	defer c.Close()
	dl, _ := ctx.Deadline()
	c.SetDeadline(dl)
	if _, err := io.WriteString(c, cmd); err != nil {
		return "", fmt.Errorf("zktest: %s to %s: %w", cmd, addr, err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		// A partial answer is not an answer: the parsers would misread it.
		return "", fmt.Errorf("zktest: %s from %s (after %d bytes): %w", cmd, addr, len(b), err)
	}
	return string(b), nil
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
	for _, line := range strings.Split(srvr, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "Connections: "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return 0, fmt.Errorf("zktest: srvr line %q: %w", line, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("zktest: no connection count in srvr answer %q", srvr)
}

// ParseTotalWatches returns K from the "Total watches:K" line of a wchs
// answer.
func ParseTotalWatches(wchs string) (int, error) {
	for _, line := range strings.Split(wchs, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Total watches:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return 0, fmt.Errorf("zktest: wchs line %q: %w", line, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("zktest: no watch total in wchs answer %q", wchs)
}

// ParseWatchesBySession parses a wchc answer: a "0x<session id>" line, then
// one indented line per watched path, for each session with watches.
func ParseWatchesBySession(wchc string) (map[int64][]string, error) {
	out := make(map[int64][]string)
	var cur int64
	have := false
	sc := bufio.NewScanner(strings.NewReader(wchc))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.TrimSpace(line) == "":
		case strings.HasPrefix(line, "0x"):
			id, err := strconv.ParseUint(strings.TrimSpace(line[2:]), 16, 64)
			if err != nil {
				return nil, fmt.Errorf("zktest: wchc line %q: %w", line, err)
			}
			cur, have = int64(id), true
			if _, ok := out[cur]; !ok {
				out[cur] = nil
			}
		case strings.HasPrefix(line, "\t") || strings.HasPrefix(line, " "):
			if !have {
				return nil, fmt.Errorf("zktest: wchc path %q before any session id", line)
			}
			out[cur] = append(out[cur], strings.TrimSpace(line))
		default:
			// The whitelist refusal, or a format this parser does not know.
			return nil, fmt.Errorf("zktest: unexpected wchc line %q", line)
		}
	}
	return out, sc.Err()
}
