package zk

import (
	"context"
	"time"

	"github.com/zkwire/zk/conn"
	"github.com/zkwire/zk/proto"
)

// The one way a request goes to the server and back. Every operation is a
// conn.Call that enters the pipeline through submit and completes in one of
// two ways:
//
//   - wait: the caller's goroutine waits for it (roundTrip is submit then
//     wait; watchedRead submits inside the watch manager's callback and
//     waits afterwards);
//   - submitAsync: nobody waits, the call's OnReply completes it (watch
//     removals, batches).
//
// Metrics see every request here and nowhere else, as franz-go's hooks wrap
// its request writes: started when submitted, done exactly once when its
// outcome is known (refused by Submit, answered to the waiter, or, for an
// async call, just before its OnReply runs).

// request is a submitted call and when it was submitted (set only when
// metrics are on).
type request struct {
	call  *conn.Call
	start time.Time
}

// roundTrip runs one call and wraps its error with the operation and path.
func (c *Client) roundTrip(ctx context.Context, op, path string, call *conn.Call) error {
	if err := checkCtx(ctx); err != nil {
		return opErr(op, path, err)
	}
	r := request{call: call}
	err := c.submit(&r)
	if err == nil {
		err = c.wait(ctx, &r)
	}
	if err != nil {
		return opErr(op, path, err)
	}
	return nil
}

// do is roundTrip for a call built here from its records.
func (c *Client) do(ctx context.Context, op, path string, code proto.Op, req, resp proto.Record) (*conn.Call, error) {
	call := &conn.Call{Op: code, Req: req, Resp: resp}
	return call, c.roundTrip(ctx, op, path, call)
}

// submit queues r.call for the server. If Submit refuses it, the request
// is done here (OnReply is not called then).
func (c *Client) submit(r *request) error {
	if m := c.cfg.metrics; m != nil {
		m.RequestStarted(r.call.Op.String())
		r.start = time.Now()
	}
	if err := c.conn.Submit(r.call); err != nil {
		c.finish(r, err)
		return err
	}
	return nil
}

// wait waits for a submitted request (conn.Wait: a ctx that ends first
// unqueues a call not yet sent) and returns its error.
func (c *Client) wait(ctx context.Context, r *request) error {
	err := c.conn.Wait(ctx, r.call)
	c.finish(r, err)
	return err
}

// submitAsync submits a call that nobody waits for: its OnReply (which may
// be nil) completes it, on the receive loop or wherever the call fails.
// With metrics on, the request is done just before that OnReply runs; this
// costs one closure per call, and nothing without metrics.
func (c *Client) submitAsync(call *conn.Call) error {
	r := &request{call: call}
	if c.cfg.metrics != nil {
		then := call.OnReply
		call.OnReply = func(cl *conn.Call) {
			c.finish(r, cl.Err) // r.start was set by submit before Submit
			if then != nil {
				then(cl)
			}
		}
	}
	return c.submit(r)
}

// finish tells the metrics a request has its outcome.
func (c *Client) finish(r *request, err error) {
	if m := c.cfg.metrics; m != nil {
		m.RequestDone(r.call.Op.String(), time.Since(r.start), err)
	}
}

// checkCtx refuses a nil context, and one that has already ended: then
// nothing is sent, so the error is the context's marked not sent (as
// conn.Do does), which SafeToRetry reports safe.
func checkCtx(ctx context.Context) error {
	if ctx == nil {
		return invalid("nil context")
	}
	if err := ctx.Err(); err != nil {
		return &conn.Error{Kind: err}
	}
	return nil
}
