package fourletter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

// DefaultTimeout bounds one word when ctx allows longer: a server that is
// still starting may read a word and never answer it (protocol.md §12.3).
const DefaultTimeout = 5 * time.Second

// maxAnswer caps an answer. The largest ones (dump, wchc, wchp, cons on a
// busy server) grow with sessions and watches; past this the server is not
// one a diagnostic tool should read whole.
const maxAnswer = 64 << 20

var (
	// ErrNotWhitelisted: the server refused the word because it is not in
	// its 4lw.commands.whitelist ("<word> is not executed because it is
	// not in the whitelist.").
	ErrNotWhitelisted = errors.New("fourletter: word not in the server's whitelist")
	// ErrNotServing: the server is up but not serving requests yet (still
	// starting, or a quorum member without a quorum): "This ZooKeeper
	// instance is not currently serving requests".
	ErrNotServing = errors.New("fourletter: server not currently serving requests")
	// ErrUnexpected: the answer is not in any format this package knows.
	ErrUnexpected = errors.New("fourletter: unexpected answer")
)

// notServing is the whole answer of a word that needs a running server
// when there is none (AbstractFourLetterCommand.ZK_NOT_SERVING).
const notServing = "This ZooKeeper instance is not currently serving requests"

// Raw sends word on a fresh connection to addr ("host:port") and returns
// the whole answer; the server closes the connection after it. The call
// ends when ctx does, and after DefaultTimeout at the latest.
//
// A refusal ("... is not in the whitelist.") comes back as its text and
// an error wrapping ErrNotWhitelisted. Any other answer, "not serving"
// included, is returned as is with a nil error: the typed functions
// interpret it.
func Raw(ctx context.Context, addr, word string) (string, error) {
	if ctx == nil {
		return "", fmt.Errorf("fourletter: nil context")
	}
	if len(word) != 4 || strings.ContainsFunc(word, func(r rune) bool { return r < 'a' || r > 'z' }) {
		return "", fmt.Errorf("fourletter: %q is not a four-letter word", word)
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("fourletter: %s to %s: %w", word, addr, err)
	}
	defer c.Close()
	// The deadline bounds the write and the read; AfterFunc ends them
	// early when ctx is cancelled rather than timed out.
	dl, _ := ctx.Deadline()
	c.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := io.WriteString(c, word); err != nil {
		return "", fmt.Errorf("fourletter: %s to %s: %w", word, addr, ctxErr(ctx, err))
	}
	b, err := io.ReadAll(io.LimitReader(c, maxAnswer+1))
	if err != nil {
		// A partial answer is not an answer: a parser would misread it.
		return "", fmt.Errorf("fourletter: %s from %s (after %d bytes): %w", word, addr, len(b), ctxErr(ctx, err))
	}
	if len(b) > maxAnswer {
		return "", fmt.Errorf("fourletter: %s from %s: answer longer than %d bytes", word, addr, maxAnswer)
	}
	ans := string(b)
	if refused(ans) {
		return ans, fmt.Errorf("%w: %s on %s", ErrNotWhitelisted, word, addr)
	}
	return ans, nil
}

// ctxErr prefers ctx's error to the i/o timeout it caused. The socket's
// deadline is ctx's, and may pass a moment before ctx says so.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}

// refused reports whether ans is a whitelist refusal.
func refused(ans string) bool {
	return strings.HasSuffix(strings.TrimSpace(ans), "is not executed because it is not in the whitelist.")
}

// get runs word and checks the answer for "not serving".
func get(ctx context.Context, addr, word string) (string, error) {
	ans, err := Raw(ctx, addr, word)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(ans) == notServing {
		return "", fmt.Errorf("%w: %s on %s", ErrNotServing, word, addr)
	}
	return ans, nil
}
