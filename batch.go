package zk

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/zkwire/zk/conn"
	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// Batch pipelines many independent operations from one goroutine and
// collects their results in the order they were added, with no goroutine
// and no channel per operation: each reply is recorded where it arrives
// and counted, and Wait's goroutine wakes only when the window below has
// room again or everything is in.
//
//	b := c.NewBatch()
//	for _, p := range paths {
//		b.Get(p)
//		b.Children(p)
//	}
//	res, err := b.Wait(ctx) // res[2*i] is the Get of paths[i]
//
// It is not a transaction (see Multi): each operation succeeds or fails on
// its own, in its BatchResult.Err. Operations are sent as they are added,
// while the batch has fewer than 512 of them in flight
// (an operation counts one more for each KiB of path and data, so the
// request bytes in flight stay near 1 MiB); the rest wait in the batch
// and Wait sends them as replies come in. So a batch of a million
// operations never queues more than the window in the client.
//
// Operations are sent in the order added, and the server applies one
// session's requests in order: a Create of a parent before those of its
// children works in one batch. (A group of reads sent again after a reply
// over the limit, see GroupReads, goes after what was sent meanwhile.)
//
// An operation with bad input (an invalid path, ACL or mode) is never
// sent: its result carries the error. Paths are the caller's, relative to
// the client's chroot, in requests and results alike.
//
// A Batch belongs to one goroutine: add operations, then Wait. Wait
// empties it, and it may be filled and waited on again.
type Batch struct {
	c   *Client
	cfg batchConfig
	r   *batchRound
}

func (b *Batch) newRound() *batchRound {
	r := &batchRound{c: b.c, group: b.cfg.group, wake: make(chan struct{}, 1)}
	r.wakeAt.Store(-1)
	return r
}

// BatchResult is the outcome of one operation of a Batch.
type BatchResult struct {
	// Path is the operation's path; for Create, the path created (with
	// its sequence suffix).
	Path string
	// Data is what Get read.
	Data []byte
	// Children are the names Children listed, in no particular order.
	Children []string
	// Stat is the node's Stat after Get, Children, Set, Create and Exists;
	// nil when Exists found no node.
	Stat *Stat
	// Err is the operation's own error (an *OpError: ErrNoNode,
	// ErrBadVersion, ErrReplyTooLarge...), or the batch's when it could
	// not be carried (see Wait).
	Err error
}

// batchWindow bounds the weight of a batch's operations in flight: one per
// operation plus one per KiB of its path and data. It stays under the
// server's default globalOutstandingLimit (1000), past which the server
// stops reading from its connections.
const batchWindow = 512

// batchKiB is the request bytes that weigh as much as one operation.
const batchKiB = 1 << 10

// errBatchStopped is the cause of the error of operations a batch did not
// send because an earlier one met the end of the session, the connection
// or the context.
var errBatchStopped = errors.New("the batch stopped before sending this operation")

// NewBatch returns an empty batch on the client.
func (c *Client) NewBatch(opts ...BatchOption) *Batch {
	var cfg batchConfig
	for _, o := range opts {
		o(&cfg)
	}
	b := &Batch{c: c, cfg: cfg}
	b.r = b.newRound()
	return b
}

// BatchOption configures a Batch.
type BatchOption func(*batchConfig)

type batchConfig struct {
	group int // reads per multiRead; 0 or 1: one request per operation
}

// maxGroup bounds GroupReads.
const maxGroup = 1024

// GroupReads packs up to n consecutive Get and Children operations into
// one multiRead request (servers 3.6+): one frame to write, to process and
// to read for n operations, which costs the server and the client far
// less than n requests. Each operation still gets its own result and
// error. Some differences:
//
//   - Children results carry no Stat (multiRead lists names only);
//   - a group whose reply is over the client's reply limit is sent again
//     (reads are safe to resend) split in halves, down to one operation,
//     which fails alone with ErrReplyTooLarge;
//   - a server without multiRead gets the operations one by one.
//
// n is capped at 1024; n <= 1 sends one request per operation, as
// without the option.
func GroupReads(n int) BatchOption { return func(c *batchConfig) { c.group = min(n, maxGroup) } }

// Get adds a read of the node's data and Stat.
func (b *Batch) Get(path string) { b.add(batchGet, path, nil, 0, 0, nil) }

// Children adds a listing of the node's children (names), with its Stat.
func (b *Batch) Children(path string) { b.add(batchChildren, path, nil, 0, 0, nil) }

// Exists adds a read of the node's Stat; the result's Stat is nil (and Err
// nil) when there is no such node.
func (b *Batch) Exists(path string) { b.add(batchExists, path, nil, 0, 0, nil) }

// Set adds a write of the node's data if its version matches (-1: any).
func (b *Batch) Set(path string, data []byte, version int32) {
	b.add(batchSet, path, data, version, 0, nil)
}

// Delete adds a removal of the node if its version matches (-1: any).
func (b *Batch) Delete(path string, version int32) { b.add(batchDelete, path, nil, version, 0, nil) }

// Create adds a creation of a node, with its Stat (create2). TTL modes are
// refused (use CreateTTL); a sequential path ending in "/" works as in
// Client.Create.
func (b *Batch) Create(path string, data []byte, mode CreateMode, acl []ACL) {
	b.add(batchCreate, path, data, 0, mode, acl)
}

// Len returns how many operations were added since the last Wait.
func (b *Batch) Len() int { return b.r.n }

// Wait sends what is left of the batch and waits for every operation's
// result, returned in the order the operations were added. The batch is
// empty afterwards.
//
// Its error is nil when every operation got an outcome of its own (which
// may be an error, like ErrNoNode). Otherwise it is the first error (in
// the order of the operations) that is not about one operation, and
// results carry it too:
//
//   - the context ended: Wait returns at once; operations still queued are
//     withdrawn (their error says they were never sent, see SafeToRetry),
//     the others may have been applied;
//   - the connection dropped (ErrConnectionLoss), the session expired, the
//     client was closed or lost its authentication: the batch stops
//     sending, and operations it had not handed to the client fail with
//     the same kind of error, marked never sent. Operations queued in the
//     client when the connection dropped are withdrawn the same way, so
//     Wait returns promptly and never waits for a reconnection.
func (b *Batch) Wait(ctx context.Context) ([]BatchResult, error) {
	r := b.r
	b.r = b.newRound()
	if ctx == nil {
		return nil, opErr("batch", "", invalid("nil context"))
	}
	ended := false // ctx ended: return without waiting for replies
	for {
		if err := ctx.Err(); err != nil {
			if r.stop == nil {
				r.halt(b.c, ctx, notSentErr(err))
			}
			ended = true
		} else if err := r.failure(); err != nil && r.stop == nil {
			r.halt(b.c, nil, stopErr(err))
		}
		r.resend()
		// Sleep until what pump could not send fits: half the window
		// drained, or more for a heavy operation.
		wakeAt := int64(0)
		if need := r.pump(b.c, true); need > 0 {
			wakeAt = max(0, min(batchWindow/2, batchWindow-need))
		}
		r.wakeAt.Store(wakeAt)
		if r.inflight.Load() <= wakeAt {
			if r.sent == r.n && r.inflight.Load() == 0 {
				break
			}
			continue
		}
		if ended {
			break
		}
		select {
		case <-r.wake:
		case <-ctx.Done():
		}
	}
	return r.results(ctx)
}

// batchKind is what an operation does.
type batchKind uint8

const (
	batchGet batchKind = iota
	batchChildren
	batchExists
	batchSet
	batchDelete
	batchCreate
)

var batchNames = [...]string{"get", "children", "exists", "set", "delete", "create"}

// batchRound is a batch between two Waits. Operations that complete after
// Wait gave up on them write into their own round, which nobody reads
// any more.
type batchRound struct {
	c      *Client
	group  int         // GroupReads' n; <= 1: no groups
	chunks [][]batchOp // operations in order, in chunks that never move
	n      int         // operations added
	sent   int         // operations handed to the client (or failed before)
	// stop is set by Wait's goroutine when the batch stops: operations
	// not sent yet fail with it.
	stop error
	// groups are the multiRead requests sent, for halt to withdraw.
	groups []*batchGroup

	inflight atomic.Int64 // weight of the operations submitted and not complete
	wakeAt   atomic.Int64 // wake Wait when inflight falls to this (-1: never)
	wake     chan struct{}

	mu        sync.Mutex
	firstFail error // the first error not about one operation; guarded by mu
	// withdrawn is what operations cancelled while queued by a stop fail
	// with (instead of a context error); guarded by mu.
	withdrawn error
	// retry are groups to send again (split, or one by one after
	// ErrUnimplemented), still counted in flight; guarded by mu.
	retry    []*batchGroup
	noGroups bool // the server has no multiRead; guarded by mu
}

// batchChunk is how many operations are allocated together.
const batchChunk = 64

// batchOp is one operation: its call, its request's fields and its result.
// It is its own request and response record (batchReq, batchResp), so an
// operation costs no allocation of its own beyond its share of a chunk.
type batchOp struct {
	call    conn.Call
	r       *batchRound
	kind    batchKind
	path    string // the caller's
	full    string // the server's (chroot prefixed)
	data    []byte
	acl     []ACL
	mode    CreateMode
	version int32
	weight  int64
	noStat  bool // a Children read in a group: no Stat came
	stat    Stat
	res     BatchResult // written before done is set
	done    atomic.Bool
}

func (r *batchRound) op(i int) *batchOp { return &r.chunks[i/batchChunk][i%batchChunk] }

// add checks an operation, records it and sends what the window allows.
func (b *Batch) add(kind batchKind, path string, data []byte, version int32, mode CreateMode, acl []ACL) {
	r, c := b.r, b.c
	if r.n%batchChunk == 0 {
		r.chunks = append(r.chunks, make([]batchOp, batchChunk))
	}
	op := r.op(r.n)
	r.n++
	op.r, op.kind, op.path, op.data, op.version, op.mode, op.acl = r, kind, path, data, version, mode, acl
	if err := c.checkBatchOp(op); err != nil {
		op.res = BatchResult{Path: path, Err: opErr(batchNames[kind], path, err)}
		op.done.Store(true)
	}
	op.weight = 1 + int64(len(op.full)+len(data))/batchKiB
	op.call = conn.Call{Op: op.code(), Req: (*batchReq)(op), OnReply: batchReply}
	if kind != batchDelete {
		op.call.Resp = (*batchResp)(op)
	}
	r.pump(c, false)
}

// checkBatchOp validates an operation as the Client's methods do, and
// fills in its server path.
func (c *Client) checkBatchOp(op *batchOp) error {
	if op.kind != batchCreate {
		if err := ValidatePath(op.path, false); err != nil {
			return err
		}
		op.full = c.chroot.Prefix(op.path)
		return nil
	}
	switch {
	case !op.mode.Valid():
		return invalid("unknown create mode %d", op.mode)
	case op.mode.IsTTL():
		return invalid("mode %d is a TTL mode: use CreateTTL", op.mode)
	}
	if err := ValidatePath(op.path, op.mode.IsSequential()); err != nil {
		return err
	}
	if err := validACL(op.acl); err != nil {
		return err
	}
	op.full = c.createPath(op.path, op.mode.IsSequential())
	return nil
}

func (op *batchOp) code() proto.Op {
	switch op.kind {
	case batchGet:
		return proto.OpGetData
	case batchChildren:
		return proto.OpGetChildren2
	case batchExists:
		return proto.OpExists
	case batchSet:
		return proto.OpSetData
	case batchDelete:
		return proto.OpDelete
	}
	if op.mode == Container {
		return proto.OpCreateContainer // the node type comes from the opcode
	}
	return proto.OpCreate2
}

// pump hands operations to the client in order while the window has room
// (at least one when nothing is in flight), or fails them all with the
// stop error once the batch has stopped. Reads go in groups when the
// batch groups them; a group shorter than its size waits for more reads
// unless flush (Wait is sending the rest). It returns the weight of the
// operation or group that did not fit (0: nothing left to send).
func (r *batchRound) pump(c *Client, flush bool) (need int64) {
	for r.sent < r.n {
		op := r.op(r.sent)
		if op.done.Load() { // refused when added
			r.sent++
			continue
		}
		if r.stop != nil {
			op.finish(r.stop)
			r.sent++
			continue
		}
		if r.grouping() && op.groupable() {
			if need := r.pumpGroup(flush); need > 0 {
				return need
			}
			continue
		}
		in := r.inflight.Load()
		if in > 0 && in+op.weight > batchWindow {
			return op.weight
		}
		r.sent++
		r.inflight.Add(op.weight)
		r.submit(op)
	}
	return 0
}

// submit hands one operation to the client (its weight already counted).
func (r *batchRound) submit(op *batchOp) {
	if err := r.c.submitBatchOp(&op.call); err != nil {
		// Not queued: OnReply will not run.
		r.inflight.Add(-op.weight)
		op.finish(err)
		if batchLevel(err) {
			r.fail(err)
		}
	}
}

// grouping reports whether reads go in multiRead groups.
func (r *batchRound) grouping() bool {
	if r.group <= 1 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.noGroups
}

func (op *batchOp) groupable() bool {
	return !op.done.Load() && (op.kind == batchGet || op.kind == batchChildren)
}

// pumpGroup sends the reads from r.sent on as one group, if the window
// has room and the group is full (or flush, or a non-read follows). It
// returns 0 when it sent one, else the group's weight.
func (r *batchRound) pumpGroup(flush bool) (need int64) {
	hi, weight := r.sent, int64(0)
	for hi < r.n && hi-r.sent < r.group && r.op(hi).groupable() {
		weight += r.op(hi).weight
		hi++
	}
	if hi-r.sent < r.group && hi == r.n && !flush {
		return weight // more reads may come
	}
	in := r.inflight.Load()
	if in > 0 && in+weight > batchWindow {
		return weight
	}
	g := &batchGroup{r: r, weight: weight, ops: make([]*batchOp, 0, hi-r.sent)}
	for ; r.sent < hi; r.sent++ {
		g.ops = append(g.ops, r.op(r.sent))
	}
	r.inflight.Add(weight)
	r.sendGroup(g)
	return 0
}

// sendGroup sends g as one multiRead (its weight already counted).
func (r *batchRound) sendGroup(g *batchGroup) {
	g.req.Ops = make([]proto.MultiOp, len(g.ops))
	for i, op := range g.ops {
		code := proto.OpGetData
		if op.kind == batchChildren {
			code = proto.OpGetChildren
		}
		g.req.Ops[i] = proto.MultiOp{Op: code, Req: (*batchReq)(op)} // same encoding: path, no watch
	}
	g.call = conn.Call{Op: proto.OpMultiRead, Req: &g.req, Resp: &g.resp, OnReply: g.reply}
	r.groups = append(r.groups, g)
	if err := r.c.submitBatchOp(&g.call); err != nil {
		r.inflight.Add(-g.weight)
		for _, op := range g.ops {
			op.finish(err)
		}
		if batchLevel(err) {
			r.fail(err)
		}
	}
}

// resend sends again the groups that asked for it: in halves after a
// reply over the limit, one by one after ErrUnimplemented (or fails them
// with the stop error). Their weight is still counted in flight.
func (r *batchRound) resend() {
	r.mu.Lock()
	retry, single := r.retry, r.noGroups
	r.retry = nil
	r.mu.Unlock()
	for _, g := range retry {
		switch {
		case r.stop != nil:
			r.inflight.Add(-g.weight)
			for _, op := range g.ops {
				op.finish(r.stop)
			}
		case single:
			for _, op := range g.ops {
				r.submit(op)
			}
		default:
			mid := len(g.ops) / 2
			for _, h := range []*batchGroup{{r: r, ops: g.ops[:mid]}, {r: r, ops: g.ops[mid:]}} {
				for _, op := range h.ops {
					h.weight += op.weight
				}
				r.sendGroup(h)
			}
		}
	}
}

// batchGroup is one multiRead carrying consecutive reads of a round.
type batchGroup struct {
	call   conn.Call
	r      *batchRound
	ops    []*batchOp
	weight int64
	req    proto.MultiRequest
	resp   proto.MultiResponse
}

// reply is a group's OnReply: it hands each read its result, or asks Wait
// to send the group again.
func (g *batchGroup) reply(call *conn.Call) {
	r := g.r
	err := r.withdrawnErr(call.Err)
	if err == nil && len(g.resp.Results) != len(g.ops) {
		err = fmt.Errorf("%w: %d results for %d reads", ErrMarshallingError, len(g.resp.Results), len(g.ops))
	}
	resend := false
	switch {
	case errors.Is(err, ErrReplyTooLarge) && len(g.ops) > 1:
		resend = true
	case errors.Is(err, ErrUnimplemented):
		resend = true
		r.mu.Lock()
		r.noGroups = true
		r.mu.Unlock()
	case err != nil:
		for _, op := range g.ops {
			op.finish(err)
		}
	default:
		for i, res := range g.resp.Results {
			op := g.ops[i]
			if res.Err != proto.ErrOK {
				op.finish(res.Err)
				continue
			}
			switch body := res.Resp.(type) {
			case *proto.GetDataResponse:
				op.res.Data, op.stat = body.Data, body.Stat
				op.finish(nil)
			case *proto.GetChildrenResponse:
				op.res.Children = body.Children
				op.noStat = true
				op.finish(nil)
			default:
				op.finish(fmt.Errorf("%w: a %v result for a read", ErrMarshallingError, res.Op))
			}
		}
	}
	if resend {
		r.mu.Lock()
		r.retry = append(r.retry, g)
		r.mu.Unlock()
		r.signal()
		return
	}
	r.done(err, g.weight)
}

// done counts a completed request of the given weight, and wakes Wait
// when the window has drained to its mark or the batch must stop.
func (r *batchRound) done(err error, weight int64) {
	wake := false
	if err != nil && batchLevel(err) {
		r.fail(err)
		wake = true
	}
	n := r.inflight.Add(-weight)
	if at := r.wakeAt.Load(); n <= at && n+weight > at {
		wake = true
	}
	if wake {
		r.signal()
	}
}

func (r *batchRound) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// withdrawnErr maps the error of a call Wait withdrew while queued (a
// context error, never sent) to the stop's error.
func (r *batchRound) withdrawnErr(err error) error {
	var ce *conn.Error
	if err != nil && errors.As(err, &ce) && !ce.Sent && isCtxErr(ce.Kind) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.withdrawn != nil {
			return r.withdrawn
		}
	}
	return err
}

// submitBatchOp queues one operation's call; its OnReply completes it.
func (c *Client) submitBatchOp(call *conn.Call) error { return c.submitAsync(call) }

// batchReply is the OnReply of an operation sent alone.
func batchReply(call *conn.Call) {
	op := (*batchOp)(call.Req.(*batchReq))
	err := op.r.withdrawnErr(call.Err)
	op.finish(err)
	op.r.done(err, op.weight)
}

// finish records the operation's outcome; from then on Wait may read it.
// A reply's fields are already in op.res (batchResp.Decode).
func (op *batchOp) finish(err error) {
	res := op.res
	if res.Path == "" {
		res.Path = op.path // all but a successful create
	}
	switch {
	case err == nil:
		if op.kind != batchDelete && !op.noStat {
			res.Stat = &op.stat
		}
	case op.kind == batchExists && errors.Is(err, ErrNoNode):
		// No node: not an error for Exists.
	default:
		res.Err = opErr(batchNames[op.kind], op.path, err)
	}
	op.res = res
	op.done.Store(true)
}

// fail records an error that is not about one operation: Wait stops the
// batch when it sees it.
func (r *batchRound) fail(err error) {
	r.mu.Lock()
	if r.firstFail == nil {
		r.firstFail = err
	}
	r.mu.Unlock()
}

func (r *batchRound) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.firstFail
}

// halt stops the batch with err: operations not handed to the client
// will fail with it (pump), and those still queued in the client are
// withdrawn with it. ctx is the caller's ended context, or nil.
func (r *batchRound) halt(c *Client, ctx context.Context, err error) {
	r.stop = err
	r.mu.Lock()
	r.withdrawn = err
	r.mu.Unlock()
	if ctx == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(context.Background())
		cancel()
	}
	// Withdraws each call still queued (its OnReply runs here); one
	// already taken for writing completes later.
	for i := 0; i < r.sent; i++ {
		op := r.op(i)
		if !op.done.Load() && op.call.Done() != nil {
			_ = c.conn.Wait(ctx, &op.call)
		}
	}
	for _, g := range r.groups {
		if !g.ops[0].done.Load() {
			_ = c.conn.Wait(ctx, &g.call)
		}
	}
}

// results collects what the operations got, once Wait is done with them:
// an operation still in flight (the context ended) gets the context's
// error, bare, since it may have been sent.
func (r *batchRound) results(ctx context.Context) ([]BatchResult, error) {
	out := make([]BatchResult, r.n)
	var first error
	for i := range out {
		op := r.op(i)
		if op.done.Load() {
			out[i] = op.res
		} else {
			out[i] = BatchResult{Path: op.path, Err: opErr(batchNames[op.kind], op.path, ctx.Err())}
		}
		if e := out[i].Err; first == nil && e != nil && batchLevel(e) {
			first = e
		}
	}
	return out, first
}

// batchLevel reports whether err is not about one operation: the
// context's end, or the connection's or the session's.
func batchLevel(err error) bool {
	return isCtxErr(err) || errors.Is(err, ErrConnectionLoss) || errors.Is(err, ErrSessionExpired) ||
		errors.Is(err, ErrClosed) || errors.Is(err, ErrAuthFailed)
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// notSentErr marks a context's error for operations never sent.
func notSentErr(err error) error { return &conn.Error{Kind: err} }

// stopErr is the error of operations withdrawn or never sent because an
// earlier one met err: the same kind, marked never sent.
func stopErr(err error) error {
	kind := err
	var ce *conn.Error
	if errors.As(err, &ce) {
		kind = ce.Kind
	}
	return &conn.Error{Kind: kind, Cause: errBatchStopped}
}

// batchReq and batchResp are a batchOp seen as its request and response
// records.
type (
	batchReq  batchOp
	batchResp batchOp
)

func (q *batchReq) AppendTo(dst []byte) []byte {
	switch q.kind {
	case batchGet, batchChildren, batchExists:
		dst = jute.AppendString(dst, q.full)
		return jute.AppendBool(dst, false) // no watch
	case batchSet:
		return (&proto.SetDataRequest{Path: q.full, Data: q.data, Version: q.version}).AppendTo(dst)
	case batchDelete:
		return (&proto.DeleteRequest{Path: q.full, Version: q.version}).AppendTo(dst)
	}
	return (&proto.CreateRequest{Path: q.full, Data: q.data, ACL: q.acl, Flags: q.mode}).AppendTo(dst)
}

func (q *batchReq) Decode(*jute.Reader) {} // requests are only sent

func (p *batchResp) AppendTo(dst []byte) []byte { return dst } // responses are only read

// Decode reads the reply into the operation: data, children and created
// path into its result (finish completes it), the Stat into stat.
func (p *batchResp) Decode(rd *jute.Reader) {
	op := (*batchOp)(p)
	switch op.kind {
	case batchGet:
		var x proto.GetDataResponse
		x.Decode(rd)
		op.res.Data, op.stat = x.Data, x.Stat
	case batchChildren:
		var x proto.GetChildren2Response
		x.Decode(rd)
		op.res.Children, op.stat = x.Children, x.Stat
	case batchExists:
		var x proto.ExistsResponse
		x.Decode(rd)
		op.stat = x.Stat
	case batchSet:
		var x proto.SetDataResponse
		x.Decode(rd)
		op.stat = x.Stat
	case batchCreate:
		var x proto.Create2Response
		x.Decode(rd)
		op.stat = x.Stat
		op.res.Path = op.r.c.chroot.Strip(x.Path)
	}
}
