package bench

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// TestConnCounterCounts checks that every Read and Write call on a wrapped
// connection is counted once, and nothing else is.
func TestConnCounterCounts(t *testing.T) {
	var ctr ConnCounter
	a, b := net.Pipe()
	defer b.Close()
	ca := ctr.Wrap(a)
	defer ca.Close()

	done := make(chan error, 1)
	go func() {
		// Three writes from the far side, read on ca in 1-byte reads: 6
		// reads (net.Pipe hands over at most what the reader asked for).
		for _, s := range []string{"ab", "cd", "ef"} {
			if _, err := b.Write([]byte(s)); err != nil {
				done <- err
				return
			}
		}
		// Then drain ca's two writes.
		buf := make([]byte, 3)
		_, err := io.ReadFull(b, buf[:3])
		done <- err
	}()
	one := make([]byte, 1)
	for range 6 {
		if _, err := ca.Read(one); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ca.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Write([]byte("yz")); err != nil {
		t.Fatal(err)
	}
	_ = ca.SetDeadline(time.Now().Add(time.Minute)) // not a read or a write
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pipe peer did not finish")
	}
	if r, w := ctr.Counts(); r != 6 || w != 2 {
		t.Fatalf("counts = %d reads, %d writes; want 6, 2", r, w)
	}
	var none *ConnCounter
	if r, w := none.Counts(); r != 0 || w != 0 {
		t.Fatalf("nil counter counts = %d, %d", r, w)
	}
}

// TestCountedZK checks that the counting dialer is the one the client
// uses: a Get against the real server adds at least one write and one
// read, and a client dialed without it counts nothing.
func TestCountedZK(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var ctr ConnCounter
	c, err := CountedZK(&ctr)(ctx, srv.Addrs())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r0, w0 := ctr.Counts()
	if r0 == 0 || w0 == 0 {
		t.Fatalf("after the handshake: %d reads, %d writes; want both > 0", r0, w0)
	}
	for range 5 {
		if _, err := c.Get(ctx, "/"); err != nil {
			t.Fatal(err)
		}
	}
	r1, w1 := ctr.Counts()
	// Five sequential round trips: at least five writes (a write is
	// counted before its request leaves, so before its reply) and at least
	// four reads. Reads are counted when the call starts: the reader's
	// Read that takes the first reply may already be counted in r0, and
	// the one after the fifth reply may not have started yet when r1 is
	// taken. Pings may add more of either.
	if r1-r0 < 4 || w1-w0 < 5 {
		t.Fatalf("5 Gets added %d reads, %d writes; want ≥4 reads, ≥5 writes", r1-r0, w1-w0)
	}
}
