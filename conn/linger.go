package conn

import "time"

// Under load the reader and the writer each pause briefly before a socket
// call, so that one call carries many replies or requests instead of
// one: every read or write that finds a single frame costs a system call
// and, worse, a wake-up of a parked thread. The pause is taken only with at
// least lingerDepth requests in flight: the server then has plenty to
// work on and the pause costs no throughput, while a lone request, or a
// light load, is never delayed.
const (
	lingerDepth = 16
	// writeLinger gives the callers the reader has just woken the time to
	// queue their next requests, so that one write carries them all.
	writeLinger = 20 * time.Microsecond
	// readLinger lets replies pile up in the socket before the reader goes
	// to fetch them.
	readLinger = 50 * time.Microsecond
)

// lingerWrite pauses the writer when lingering pays (see above).
func (l *link) lingerWrite() {
	if l.inFlight() >= lingerDepth {
		time.Sleep(writeLinger)
	}
}

// lingerRead pauses the reader, its buffer empty, when lingering pays.
func (l *link) lingerRead() {
	if l.inFlight() >= lingerDepth {
		time.Sleep(readLinger)
	}
}
