package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat: USER_HZ,
// which Linux fixes at 100 for user space on every architecture Go runs on.
const clockTick = 10 * time.Millisecond

// ProcessCPU is the user plus system CPU time the process pid has used so
// far, all its threads included (Linux /proc/<pid>/stat). Resolution: 10 ms.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	ticks, err := parseStatCPU(string(b))
	if err != nil {
		return 0, fmt.Errorf("bench: /proc/%d/stat: %w", pid, err)
	}
	return time.Duration(ticks) * clockTick, nil
}

// residentBytes is this process's resident set now (Linux
// /proc/self/statm, second field, in pages); 0 when unknown.
func residentBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	pages, err := parseStatmResident(string(b))
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// parseStatmResident returns the resident field (the second) of a
// /proc/<pid>/statm line, in pages.
func parseStatmResident(statm string) (uint64, error) {
	f := strings.Fields(statm)
	if len(f) < 2 {
		return 0, fmt.Errorf("bench: statm %q: fewer than 2 fields", statm)
	}
	return strconv.ParseUint(f[1], 10, 64)
}

// parseStatCPU returns utime+stime (fields 14 and 15) of a /proc/<pid>/stat
// line. The command name (field 2) is in parentheses and may itself hold
// spaces and parentheses, so the fields are counted after the last ')'.
func parseStatCPU(stat string) (uint64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no ')' after the command name")
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3 (state)
	const utime, stime = 14 - 3, 15 - 3
	if len(f) <= stime {
		return 0, fmt.Errorf("%d fields after the command name, want more than %d", len(f), stime)
	}
	u, err := strconv.ParseUint(f[utime], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("utime: %w", err)
	}
	s, err := strconv.ParseUint(f[stime], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stime: %w", err)
	}
	return u + s, nil
}

// ServerPID returns the pid of the process listening on addr's port when
// addr ("host:port") is on a loopback address, so that its CPU can be
// measured; 0 and no error for a remote server.
func ServerPID(addr string) (int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return 0, nil
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return 0, err
	}
	return ListeningPID(p)
}

// ListeningPID returns the pid of the local process with a TCP socket
// listening on port (Linux: /proc/net/tcp{,6} give the socket's inode,
// /proc/<pid>/fd the process holding it). It needs permission to read the
// other process's fd directory: the same user, or root.
func ListeningPID(port int) (int, error) {
	var inode uint64
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		inode, err = listenInode(f, port)
		f.Close()
		if err != nil {
			return 0, fmt.Errorf("bench: %s: %w", name, err)
		}
		if inode != 0 {
			break
		}
	}
	if inode == 0 {
		return 0, fmt.Errorf("bench: no socket listening on port %d", port)
	}
	want := "socket:[" + strconv.FormatUint(inode, 10) + "]"
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		if link, err := os.Readlink(fd); err == nil && link == want {
			// fd is /proc/<pid>/fd/<n>.
			return strconv.Atoi(strings.Split(fd, "/")[2])
		}
	}
	return 0, fmt.Errorf("bench: no process we may inspect holds the socket listening on port %d", port)
}

// listenInode returns the inode of the socket in state LISTEN (0A) on
// port in a /proc/net/tcp or tcp6 table, or 0 if there is none.
func listenInode(r io.Reader, port int) (uint64, error) {
	sc := bufio.NewScanner(r)
	sc.Scan() // the header line
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != "0A" {
			continue
		}
		colon := strings.LastIndexByte(f[1], ':')
		if colon < 0 {
			continue
		}
		p, err := strconv.ParseUint(f[1][colon+1:], 16, 16)
		if err != nil || int(p) != port {
			continue
		}
		return strconv.ParseUint(f[9], 10, 64)
	}
	return 0, sc.Err()
}
