package fourletter

import (
	"context"
	"fmt"
	"strings"
)

// Ruok sends ruok to addr: nil when the server answers "imok". The server
// answers it as soon as it runs, before it serves requests; use Srvr to
// know that it serves.
func Ruok(ctx context.Context, addr string) error {
	ans, err := Raw(ctx, addr, "ruok")
	if err != nil {
		return err
	}
	if strings.TrimSpace(ans) != "imok" {
		return fmt.Errorf("%w: ruok answered %q", ErrUnexpected, ans)
	}
	return nil
}

// Isro sends isro to addr: true when the server is in read-only mode
// ("ro"), false when it serves reads and writes ("rw"), ErrNotServing when
// it serves nothing ("null").
func Isro(ctx context.Context, addr string) (bool, error) {
	ans, err := Raw(ctx, addr, "isro")
	if err != nil {
		return false, err
	}
	return ParseIsro(ans)
}

// ParseIsro parses an isro answer.
func ParseIsro(ans string) (bool, error) {
	switch strings.TrimSpace(ans) {
	case "ro":
		return true, nil
	case "rw":
		return false, nil
	case "null", notServing:
		return false, ErrNotServing
	}
	return false, fmt.Errorf("%w: isro answered %q", ErrUnexpected, ans)
}
