package conn

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// Call is one request and, once done, its reply.
type Call struct {
	Op   proto.Op
	Req  proto.Record // nil: no body
	Resp proto.Record // nil: no body expected; not decoded when the reply's err != 0
	// OnReply runs exactly once, before Done closes: on the receive loop
	// right after the reply is decoded (before the next frame is read), or
	// on whichever goroutine fails or cancels the call. It must not block.
	OnReply func(*Call)
	Zxid    int64 // the reply header's zxid
	Err     error // nil, a proto.Code from the server, or an *Error

	xid   int32
	frame []byte       // encoded frame while queued; pooled
	state atomic.Int32 // callQueued → callSent | callCancelled | callFailed
	auth  bool         // an AddAuth packet: xid -4, matched by its own FIFO
	done  chan struct{}
}

const (
	callQueued int32 = iota
	callSent         // taken by a writer: owned by the pending FIFO
	callCancelled
	callFailed
)

// Done is closed when the call has completed.
func (call *Call) Done() <-chan struct{} { return call.done }

// complete records the outcome, runs OnReply and wakes the waiter. The
// caller must own the call (see the state machine above).
func (call *Call) complete(err error) {
	if err != nil {
		call.Err = err
	}
	if call.OnReply != nil {
		call.OnReply(call)
	}
	close(call.done)
}

var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// encode builds the call's frame (xid patched in at enqueue time).
func (call *Call) encode(maxPacket int) error {
	bp := framePool.Get().(*[]byte)
	b, start := jute.BeginFrame((*bp)[:0])
	hdr := proto.RequestHeader{Xid: 0, Type: call.Op}
	b = hdr.AppendTo(b)
	if call.Req != nil {
		b = call.Req.AppendTo(b)
	}
	if n := jute.EndFrame(b, start); n > maxPacket {
		*bp = b
		framePool.Put(bp)
		return ErrPacketTooLarge
	}
	call.frame = b
	return nil
}

func (call *Call) setXid(xid int32) {
	call.xid = xid
	binary.BigEndian.PutUint32(call.frame[4:], uint32(xid))
}

func releaseFrame(call *Call) {
	if call.frame != nil && cap(call.frame) <= 64*1024 {
		b := call.frame[:0]
		framePool.Put(&b)
	}
	call.frame = nil
}

// Submit encodes call and queues it for the current or next connection. It
// returns at once. On error (too large, client closed or expired) the call
// is not queued and OnReply is not called.
func (c *Conn) Submit(call *Call) error { return c.submit(call, false) }

// submit queues a call; closing lets Close's own closeSession through.
func (c *Conn) submit(call *Call, closing bool) error {
	if err := call.encode(c.cfg.MaxPacketSize); err != nil {
		return err
	}
	call.done = make(chan struct{})
	c.mu.Lock()
	err := c.terminalErr()
	if err == nil && c.closeRequested && !closing {
		err = ErrClosed
	}
	if err != nil {
		c.mu.Unlock()
		releaseFrame(call)
		return err
	}
	if call.auth {
		call.setXid(proto.XidAuth)
	} else {
		call.setXid(c.newXid())
	}
	c.queue = append(c.queue, call)
	c.mu.Unlock()
	c.wakeWriter()
	return nil
}

// newXid returns the next normal xid: from 1 up, wrapping to 1, never 0 or
// negative (those are special). Must hold mu.
func (c *Conn) newXid() int32 {
	c.xid++
	if c.xid <= 0 {
		c.xid = 1
	}
	return c.xid
}

func (c *Conn) wakeWriter() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Wait waits for a submitted call. If ctx ends while the call is still
// queued it is removed, never sent, and ctx.Err() returned; if it was
// already written, ctx.Err() is returned at once and the reply, when it
// comes, is consumed and discarded (the connection is never closed because
// one caller gave up). Otherwise it returns call.Err.
func (c *Conn) Wait(ctx context.Context, call *Call) error {
	select {
	case <-call.done:
		return call.Err
	default:
	}
	select {
	case <-call.done:
		return call.Err
	case <-ctx.Done():
		if call.state.CompareAndSwap(callQueued, callCancelled) {
			c.unqueue(call)
			call.complete(ctx.Err())
		}
		return ctx.Err()
	}
}

// Do is Submit followed by Wait.
func (c *Conn) Do(ctx context.Context, call *Call) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.Submit(call); err != nil {
		return err
	}
	return c.Wait(ctx, call)
}

// unqueue removes a cancelled call from the queue.
func (c *Conn) unqueue(call *Call) {
	c.mu.Lock()
	for i, x := range c.queue {
		if x == call {
			c.queue = append(c.queue[:i], c.queue[i+1:]...)
			break
		}
	}
	c.mu.Unlock()
	releaseFrame(call)
}

// failQueued fails every queued call with err. Must not hold mu.
func (c *Conn) failQueued(err error) {
	c.mu.Lock()
	q := c.queue
	c.queue = nil
	c.mu.Unlock()
	for _, call := range q {
		if call.state.CompareAndSwap(callQueued, callFailed) {
			releaseFrame(call)
			call.complete(err)
		}
	}
}
