package conn

import (
	"errors"
	"testing"
	"time"
)

// The pause after each failure lies between half its ceiling and the
// ceiling, so the attempt rate has a hard bound, and it is random.
func TestBackoffBounds(t *testing.T) {
	for n := 1; n < 10; n++ {
		ceiling := min(backoffBase<<min(n, 5), backoffCap)
		seen := map[time.Duration]bool{}
		for i := 0; i < 200; i++ {
			d := backoff(n)
			if d < ceiling/2 || d > ceiling+time.Millisecond {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, ceiling/2, ceiling)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Fatalf("backoff(%d): only %d distinct pauses in 200: no jitter", n, len(seen))
		}
	}
	// The sum of the floors over the first 3 s allows at most 12 attempts.
	var sum time.Duration
	attempts := 1
	for n := 1; sum < 3*time.Second; n++ {
		ceiling := min(backoffBase<<min(n, 5), backoffCap)
		sum += ceiling / 2
		attempts++
	}
	if attempts > 12 {
		t.Fatalf("%d attempts fit in 3 s", attempts)
	}
}

func TestHostListRoundRobin(t *testing.T) {
	h := newHostList([]string{"a:1", "b:1", "c:1"}, nil)
	seen := map[string]int{}
	for i := 0; i < 9; i++ {
		seen[h.pick()]++
	}
	if seen["a:1"] != 3 || seen["b:1"] != 3 || seen["c:1"] != 3 {
		t.Fatalf("picks %v, want each server 3 times", seen)
	}
}

// Dial refuses a malformed server address before dialing, with
// ErrInvalidArgument; well-formed ones pass.
func TestCheckServer(t *testing.T) {
	for _, s := range []string{"127.0.0.1:2181/app", "a:1,b:1", "127.0.0.1:abc", "127.0.0.1:99999",
		"127.0.0.1:0", "127.0.0.1:-1", ":2181", "127.0.0.1", "::1:2181", "", " :2181", "[::1]:"} {
		_, err := Config{Servers: []string{"localhost:2181", s}}.normalize()
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%q: %v; want ErrInvalidArgument", s, err)
		}
	}
	for _, s := range []string{"127.0.0.1:2181", "[::1]:2181", "[fe80::1%eth0]:1", "zk-1.example.com:65535"} {
		if err := checkServer(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
}
