package conn

import "time"

// Under load the reader and the writer each pause briefly before a socket
// call, so that one call carries many replies or requests instead of
// one: every read or write that finds a single frame costs a system call
// and, worse, a wake-up of a parked thread. The pause is taken only with at
// least lingerDepth requests in flight: the server then has plenty to
// work on and the pause costs no throughput, while a lone request, or a
// light load, is never delayed.
//
// The reader pauses too while watch events stream in (the last read
// carried more than one) and no request is in flight: a burst of
// notifications, such as 100k watches firing, then costs a wake-up per
// readBatch events instead of one per two or three. A lone event is never
// delayed; one in a stream, or a request made during the pause, waits at
// most maxNotifyLinger.
const (
	lingerDepth = 16
	// The writer pauses in steps of writeLinger while calls keep coming,
	// up to maxWriteLinger: the callers the reader has just woken then
	// queue their next requests before the write, which carries them all.
	writeLinger    = 20 * time.Microsecond
	maxWriteLinger = 200 * time.Microsecond
	// readBatch is how many replies the reader lets pile up in the socket
	// before it fetches them, timed by the rate replies arrive at. At most
	// lingerDepth/2.
	readBatch = lingerDepth / 2
	// maxReadLinger caps the reader's pause whatever the rate.
	maxReadLinger = 2 * time.Millisecond
	// maxNotifyLinger caps the pause while notifications stream in with
	// nothing in flight: it delays a watch event by at most that much.
	maxNotifyLinger = 250 * time.Microsecond
)

// lingerWrite pauses the writer when lingering pays (see above).
func (l *link) lingerWrite() {
	n := l.c.queued()
	if n == 0 || l.inFlight() < lingerDepth {
		return
	}
	for waited := time.Duration(0); waited < maxWriteLinger; waited += writeLinger {
		time.Sleep(writeLinger)
		m := l.c.queued()
		if m == n {
			return
		}
		n = m
	}
}

// readPacer times the reader's pause. It belongs to the reader goroutine.
// A cycle runs from one socket read to the next (the read buffer emptied),
// pause included; the time per reply is the moving average of the cycles'
// lengths over that of the frames they decoded: the rate the server
// answers at.
type readPacer struct {
	cycle  time.Duration // moving average of a cycle's length
	frames int           // moving average of a cycle's frames, ×16
	start  time.Time     // the current cycle's start; zero before the first
	n      int           // frames decoded in the current cycle
	notes  int           // notifications among them
}

// next ends a cycle (the read buffer is empty) and, under load, pauses
// for the time readBatch replies take to arrive: at most half of the
// lingerDepth calls in flight, so the server never runs dry meanwhile.
func (p *readPacer) next(l *link) {
	now := time.Now()
	if p.n > 0 && !p.start.IsZero() {
		p.cycle += (now.Sub(p.start) - p.cycle) / 8
		p.frames += (p.n*16 - p.frames) / 8
	}
	streaming := p.notes > 1
	p.start, p.n, p.notes = now, 0, 0
	if p.frames == 0 {
		return
	}
	var limit time.Duration
	switch inFlight := l.inFlight(); {
	case inFlight >= lingerDepth:
		limit = maxReadLinger
	case inFlight == 0 && streaming:
		// Watch events streaming in (a cycle carried more than one) and
		// no call waiting: fetch them in batches too. A lone event, or
		// one behind a call in flight, is never delayed.
		limit = maxNotifyLinger
	default:
		return // the usual case: no pause, nothing to compute
	}
	perFrame := p.cycle * 16 / time.Duration(p.frames)
	if d := min(readBatch*perFrame, limit); d > 0 {
		time.Sleep(d)
	}
}
