package bench

import (
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and parentheses; utime 1500, stime 250.
	stat := "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 9000 0 12 0 1500 250 0 0 20 0 40 0 123 456 789"
	got, err := parseStatCPU(stat)
	if err != nil || got != 1750 {
		t.Fatalf("parseStatCPU = %d, %v; want 1750", got, err)
	}
	for _, bad := range []string{
		"",
		"4242 java S 1",                      // no parentheses
		"4242 (java) S 1 4242 4242 0 -1 419", // cut short
		"4242 (java) S 1 4242 4242 0 -1 4194560 9000 0 12 0 x 250 0", // utime not a number
	} {
		if _, err := parseStatCPU(bad); err == nil {
			t.Errorf("parseStatCPU(%q): no error", bad)
		}
	}
}

func TestListenInode(t *testing.T) {
	// Port 0x8BA1 = 35745 listening on 127.0.0.1 (inode 192025); the same
	// port in an established connection (state 01) must not match.
	table := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:8BA2 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0
   1: 0100007F:8BA1 0100007F:D3C4 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0 100 0 0 10 0
   2: 0100007F:8BA1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 192025 1 0 100 0 0 10 0
`
	got, err := listenInode(strings.NewReader(table), 0x8BA1)
	if err != nil || got != 192025 {
		t.Fatalf("listenInode = %d, %v; want 192025", got, err)
	}
	if got, err := listenInode(strings.NewReader(table), 1); err != nil || got != 0 {
		t.Fatalf("absent port: %d, %v; want 0", got, err)
	}
	tcp6 := `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0885 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0 100 0 0 10 0
`
	if got, err := listenInode(strings.NewReader(tcp6), 2181); err != nil || got != 777 {
		t.Fatalf("tcp6: %d, %v; want 777", got, err)
	}
}

// TestListeningPIDAndCPU finds this process from a port it listens on, and
// sees its CPU time grow while it spins.
func TestListeningPIDAndCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	pid, err := ListeningPID(port)
	if err != nil || pid != os.Getpid() {
		t.Fatalf("ListeningPID(%d) = %d, %v; want %d", port, pid, err, os.Getpid())
	}
	ln.Close()
	if pid, err := ListeningPID(port); err == nil {
		t.Fatalf("closed port: pid %d, no error", pid)
	}

	before, err := ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Spin until the kernel has charged at least 50 ms more; bounded by
	// wall time so a failure cannot hang.
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		now, err := ProcessCPU(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if now-before >= 50*time.Millisecond {
			// The same clock as getrusage's, in the same unit: they agree
			// to within the 10 ms ticks (and the calls between them).
			self := cpuTime()
			if d := self - now; d < -20*time.Millisecond || d > 100*time.Millisecond {
				t.Fatalf("ProcessCPU = %v, getrusage = %v", now, self)
			}
			return
		}
		for i := 0; i < 1e6; i++ {
			_ = strconv.Itoa(i)
		}
	}
	t.Fatal("ProcessCPU did not grow in a minute of spinning")
}
