package conn

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// Call is one request and, once Done is closed, its reply.
//
// A Call is used once: fill in Op, Req, Resp (and OnReply), Submit it (or
// Do it), and read Zxid and Err after Done is closed. Do not touch it while
// it is outstanding.
type Call struct {
	Op   proto.Op
	Req  proto.Record // nil: no body
	Resp proto.Record // nil: no body expected; not decoded when the reply's err != 0
	// OnReply runs exactly once, before Done closes: on the receive loop
	// right after the reply is decoded (before the next frame is read), or
	// on whichever goroutine fails or cancels the call. It must not block.
	OnReply func(*Call)
	Zxid    int64 // the reply header's zxid
	// Err is nil; a proto.Code from the server; or a client error: an
	// *Error (connection loss, expiry, auth failure, Close, or the
	// context's error when the call was cancelled before it was sent).
	Err error

	// xid is assigned by the writer as the frame goes out (auth: -4); then
	// owned by the pending FIFO.
	xid int32
	// frame is the encoded frame (xid field left 0) from Submit until the
	// writer copies it out; pooled.
	frame []byte
	fbuf  *[]byte      // the pool's holder of frame's array
	state atomic.Int32 // see the call states below
	// How completion is signalled, guarded by sigMu. A waiter (Wait, Do)
	// lends sig, a pooled channel of capacity 1 that completion sends to
	// once, so waiting allocates nothing; done is made only if Done is
	// called (closed by completion, or made closed if it came after).
	sigMu     sync.Mutex
	submitted bool
	finished  bool
	sig       chan struct{}
	done      chan struct{}
	auth      bool // an AddAuth packet: xid -4, matched through the auth FIFO
	// restore marks a watch-restore packet (restore.go): it belongs to
	// the connection it was queued for and is never carried to another.
	restore bool
	// waiting is when the call was first seen queued with no connection
	// to carry it (Unix nanoseconds; 0 until then); guarded by Conn.mu.
	// However often connections come and go, a call waits about one
	// session timeout from then at most (see failOverdue).
	waiting int64
}

// Call states. Whoever moves a call out of callQueued owns it and is the
// one to complete it (or to put it back to callQueued, see requeue), so a
// call completes exactly once without a lock.
const (
	callQueued    int32 = iota // on Conn.queue, waiting for a writer
	callWriting                // taken by a writer: in a pending FIFO or about to be
	callCancelled              // its context ended while queued; never sent
	callFailed                 // failed while queued (expiry, auth failure, Close)
)

// Done is closed once the call has completed (nil before Submit). Wait
// needs no Done: it waits without a channel of the call's own.
func (call *Call) Done() <-chan struct{} {
	call.sigMu.Lock()
	defer call.sigMu.Unlock()
	if !call.submitted {
		return nil
	}
	if call.done == nil {
		call.done = make(chan struct{})
		if call.finished {
			close(call.done)
		}
	}
	return call.done
}

// complete records the outcome, runs OnReply and wakes the waiters. The
// caller must own the call (see the states above).
func (call *Call) complete(err error) {
	if err != nil {
		call.Err = err
	}
	if call.OnReply != nil {
		call.OnReply(call)
	}
	call.sigMu.Lock()
	call.finished = true
	sig, done := call.sig, call.done
	call.sigMu.Unlock()
	if sig != nil {
		sig <- struct{}{} // never blocks: capacity 1, one send
	}
	if done != nil {
		close(done)
	}
}

// getSig and putSig recycle waiters' completion channels. A channel goes
// back only once its one send has been received, so a recycled one is
// empty and no longer referenced by a call that could still complete.
func (c *Conn) getSig() chan struct{} {
	if s, ok := c.sigs.Get().(chan struct{}); ok {
		return s
	}
	return make(chan struct{}, 1)
}

func (c *Conn) putSig(s chan struct{}) { c.sigs.Put(s) }

// framePool recycles request frames: they are consumed by the writer (copied
// into its batch buffer), never handed to a caller, so reuse is safe. It
// holds *[]byte, and a call keeps the pointer it got (fbuf), so that
// putting a frame back allocates nothing.
var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

const maxPooledFrame = 64 << 10 // bigger frames go to the garbage collector

func getFrame() *[]byte { return framePool.Get().(*[]byte) }

// encode builds the call's frame into a pooled buffer; the writer patches
// the xid in. Done at Submit, so an oversize request is refused before it
// is queued.
func (call *Call) encode(maxPacket int) error { return call.encodeSized(maxPacket, 0) }

// encodeSized is encode for a frame known to take size bytes: one too big
// for the pool is built in a buffer of its exact size rather than grown
// there by doubling (a watch-restore packet is over 128 KiB).
func (call *Call) encodeSized(maxPacket, size int) error {
	boundMulti(call)
	if size > maxPooledFrame {
		b := make([]byte, 0, size)
		call.fbuf = &b
	} else {
		call.fbuf = getFrame()
	}
	b, start := jute.BeginFrame((*call.fbuf)[:0])
	hdr := proto.RequestHeader{Type: call.Op}
	if call.auth {
		hdr.Xid = proto.XidAuth
	}
	b = hdr.AppendTo(b)
	if call.Req != nil {
		b = call.Req.AppendTo(b)
	}
	call.frame = b
	if n := jute.EndFrame(b, start); n > maxPacket {
		call.releaseFrame()
		return fmt.Errorf("%w: a %d-byte %v request, limit %d", ErrPacketTooLarge, n, call.Op, maxPacket)
	}
	return nil
}

// boundMulti tells a multi's response how many results it may hold: one
// per operation sent. Without the bound a hostile or broken server could
// answer a 1-op multi with millions of results, each decoded and kept
// before anything noticed.
func boundMulti(call *Call) {
	resp, ok := call.Resp.(*proto.MultiResponse)
	if !ok {
		return
	}
	req, ok := call.Req.(*proto.MultiRequest)
	if !ok {
		return
	}
	resp.MaxResults = len(req.Ops)
	if resp.MaxResults == 0 {
		resp.MaxResults = -1
	}
}

// releaseFrame returns the frame to the pool, keeping any capacity it
// grew to (up to maxPooledFrame).
func (call *Call) releaseFrame() {
	if call.fbuf == nil {
		return
	}
	if cap(call.frame) <= maxPooledFrame {
		*call.fbuf = call.frame[:0]
		framePool.Put(call.fbuf)
	}
	call.frame, call.fbuf = nil, nil
}

var (
	errResubmit     = errors.New("zk: call submitted twice")
	errNotSubmitted = errors.New("zk: waiting for a call that was not submitted")
)

// Submit encodes call and queues it for the current or the next connection;
// it returns at once. On error (the request is too large, the call was
// already submitted, the client is closed, expired or failed
// authentication) the call is not queued and OnReply is not called.
//
// Calls queued while disconnected wait for the next connection; they fail
// on expiry, authentication failure or Close (or when a waiter's context
// ends, see Wait), and with connection loss, never sent, once the session
// deadline passes or they have waited a session timeout without a
// connection to carry them (see the package doc).
func (c *Conn) Submit(call *Call) error { return c.submit(call, false) }

// submit queues a call; internal lets Close's own closeSession through.
func (c *Conn) submit(call *Call, internal bool) error {
	if call == nil {
		return errors.New("zk: nil call")
	}
	if !call.markSubmitted() {
		return errResubmit
	}
	if err := call.encode(c.cfg.MaxPacketSize); err != nil {
		call.sigMu.Lock()
		call.submitted = false
		call.sigMu.Unlock()
		return err
	}
	c.mu.Lock()
	err := c.terminal
	if err == nil && c.closing && !internal {
		err = &Error{Kind: ErrClosed}
	}
	if err != nil {
		c.mu.Unlock()
		call.releaseFrame()
		call.sigMu.Lock()
		call.submitted = false // not queued: as if never submitted
		call.sigMu.Unlock()
		return err
	}
	if c.cur == nil {
		call.waiting = time.Now().UnixNano()
	}
	c.queue = append(c.queue, call)
	c.mu.Unlock()
	c.wakeWriter()
	return nil
}

// Wait waits for a submitted call and returns call.Err. If ctx ends first:
// a call still queued is removed, never sent, and completed with an *Error
// whose Kind is ctx.Err() (errors.Is sees it; SafeToRetry is true); a call
// already taken for writing keeps its slot in the pending FIFO (the reply,
// when it comes, is consumed and discarded) and Wait returns the bare
// ctx.Err(), since it may have been sent. Either way Wait returns at once. The connection is never closed because one caller
// gave up: that would fail every other call in flight.
func (c *Conn) Wait(ctx context.Context, call *Call) error {
	call.sigMu.Lock()
	switch {
	case !call.submitted:
		call.sigMu.Unlock()
		return errNotSubmitted
	case call.finished:
		call.sigMu.Unlock()
		return call.Err
	case call.sig != nil:
		// Another waiter holds sig: wait on Done.
		call.sigMu.Unlock()
		select {
		case <-call.Done():
			return call.Err
		case <-ctx.Done():
			return c.giveUp(ctx, call, nil)
		}
	}
	sig := c.getSig()
	call.sig = sig
	call.sigMu.Unlock()
	select {
	case <-sig:
		c.putSig(sig)
		return call.Err
	case <-ctx.Done():
		return c.giveUp(ctx, call, sig)
	}
}

// giveUp is Wait's end when ctx ends first. sig is the waiter's channel
// (nil if it waited on Done): back to the pool once the completion's send
// is received; a call in flight keeps it, its completion fills it later,
// and it is never reused.
func (c *Conn) giveUp(ctx context.Context, call *Call, sig chan struct{}) error {
	if !call.state.CompareAndSwap(callQueued, callCancelled) {
		// Taken by a writer: it may have been sent.
		return ctx.Err()
	}
	// Provably never sent: SafeToRetry says so.
	err := notSent(ctx.Err())
	c.unqueue(call)
	call.complete(err)
	if sig != nil {
		<-sig
		c.putSig(sig)
	}
	return err
}

// markSubmitted reports false if the call was submitted before.
func (call *Call) markSubmitted() bool {
	call.sigMu.Lock()
	defer call.sigMu.Unlock()
	if call.submitted {
		return false
	}
	call.submitted = true
	return true
}

// Do is Submit followed by Wait. A context that has already ended sends
// nothing (the error is then safe to retry, as for a call cancelled while
// queued).
func (c *Conn) Do(ctx context.Context, call *Call) error {
	if err := ctx.Err(); err != nil {
		return notSent(err)
	}
	if err := c.Submit(call); err != nil {
		return err
	}
	return c.Wait(ctx, call)
}

func (c *Conn) wakeWriter() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// unqueue removes a cancelled call from the queue and frees its frame.
func (c *Conn) unqueue(call *Call) {
	c.mu.Lock()
	// Searching from the back: the caller that gives up first usually
	// submitted last.
	for i := len(c.queue) - 1; i >= 0; i-- {
		if c.queue[i] == call {
			c.queue = slices.Delete(c.queue, i, i+1) // also clears the stale tail slot
			break
		}
	}
	c.mu.Unlock()
	call.releaseFrame()
}

// queued returns how many calls are queued.
func (c *Conn) queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

// takeQueued moves calls from the front of the queue to dst until about
// limit bytes of frames are taken (at least one call). more reports that
// calls remain queued.
func (c *Conn) takeQueued(dst []*Call, limit int) (_ []*Call, more bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, size := 0, 0
	for n < len(c.queue) && (n == 0 || size < limit) {
		size += len(c.queue[n].frame)
		n++
	}
	dst = append(dst, c.queue[:n]...)
	rest := copy(c.queue, c.queue[n:])
	clear(c.queue[rest:])
	c.queue = c.queue[:rest]
	return dst, rest > 0
}

// requeue puts calls a writer took but never wrote back at the front of the
// queue, in order, for the next connection.
func (c *Conn) requeue(calls []*Call) {
	if len(calls) == 0 {
		return
	}
	c.mu.Lock()
	for _, call := range calls {
		call.state.Store(callQueued)
	}
	c.queue = append(append(make([]*Call, 0, len(calls)+len(c.queue)), calls...), c.queue...)
	c.mu.Unlock()
}

// failOverdue runs between connections: every queued call that has waited
// the session timeout since it was first seen without a connection fails
// with connection loss, never sent (SafeToRetry is true). The session
// deadline alone does not bound this: servers that accept the handshake
// and drop the connection at once re-attach the session each time, so the
// deadline keeps moving while no connection carries anything. It returns
// when the next remaining call falls due (zero if none waits).
func (c *Conn) failOverdue() time.Time {
	timeout := c.sessionTimeout()
	now := time.Now()
	cutoff := now.Add(-timeout).UnixNano()
	var overdue []*Call
	oldest := int64(0)
	c.mu.Lock()
	keep := c.queue[:0]
	for _, call := range c.queue {
		if call.waiting == 0 {
			call.waiting = now.UnixNano() // queued, or put back, while a connection was up
		}
		if call.waiting <= cutoff {
			overdue = append(overdue, call)
			continue
		}
		if oldest == 0 || call.waiting < oldest {
			oldest = call.waiting
		}
		keep = append(keep, call)
	}
	clear(c.queue[len(keep):])
	c.queue = keep
	c.mu.Unlock()
	if len(overdue) > 0 {
		err := lossError(errNotCarried, false)
		for _, call := range overdue {
			if call.state.CompareAndSwap(callQueued, callFailed) {
				call.releaseFrame()
				call.complete(err)
			}
		}
	}
	if oldest == 0 {
		return time.Time{}
	}
	return time.Unix(0, oldest).Add(timeout)
}

// errNotCarried is the cause of the connection loss that fails a call no
// connection carried within the session timeout.
var errNotCarried = errors.New("no connection carried the call within the session timeout")

// failQueued fails every queued call with err (expiry, auth failure,
// Close). Must not hold mu.
func (c *Conn) failQueued(err error) {
	c.mu.Lock()
	q := c.queue
	c.queue = nil
	c.mu.Unlock()
	for _, call := range q {
		if call.state.CompareAndSwap(callQueued, callFailed) {
			call.releaseFrame()
			call.complete(err)
		}
	}
}
