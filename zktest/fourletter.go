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

// FourLetter sends a four-letter word (ruok, srvr, wchs, wchc, ...) to addr
// on a fresh connection and returns the answer.
func FourLetter(ctx context.Context, addr, cmd string) (string, error) {
	if len(cmd) != 4 {
		return "", fmt.Errorf("zktest: %q is not a four-letter word", cmd)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	// A server that is still starting may never answer (protocol.md
	// §12.3): the deadline bounds every probe.
	dl, _ := ctx.Deadline()
	c.SetDeadline(dl)
	if _, err := io.WriteString(c, cmd); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	if err != nil && len(b) == 0 {
		return "", err
	}
	return string(b), nil
}

// ParseWatchesBySession parses a wchc answer: session id → watched paths.
func ParseWatchesBySession(s string) (map[int64][]string, error) {
	out := make(map[int64][]string)
	var cur int64
	have := false
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "0x"):
			id, err := strconv.ParseUint(strings.TrimSpace(line[2:]), 16, 64)
			if err != nil {
				return nil, fmt.Errorf("zktest: wchc line %q: %v", line, err)
			}
			cur, have = int64(id), true
			if _, ok := out[cur]; !ok {
				out[cur] = nil
			}
		case strings.HasPrefix(line, "\t") || strings.HasPrefix(line, " "):
			if have {
				out[cur] = append(out[cur], strings.TrimSpace(line))
			}
		}
	}
	return out, nil
}

// ParseTotalWatches reads "Total watches:N" from a wchs answer.
func ParseTotalWatches(s string) (int, error) {
	i := strings.Index(s, "Total watches:")
	if i < 0 {
		return 0, fmt.Errorf("zktest: no watch total in %q", s)
	}
	rest := strings.TrimSpace(s[i+len("Total watches:"):])
	if j := strings.IndexAny(rest, "\r\n"); j >= 0 {
		rest = rest[:j]
	}
	return strconv.Atoi(strings.TrimSpace(rest))
}

// ParseMode reads "Mode: ..." from a srvr answer.
func ParseMode(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "Mode: ") {
			return strings.TrimSpace(line[len("Mode: "):])
		}
	}
	return ""
}
