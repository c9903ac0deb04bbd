package conn

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

const (
	// maxBatch is roughly how many bytes of queued frames go into one
	// write. Under load every write carries many requests; bounding it
	// keeps the buffer small and leaves later calls cancellable.
	maxBatch = 256 << 10
	// shrinkAbove: a buffer grown past this (one unusually large request)
	// is dropped after its write rather than kept for the connection's life.
	shrinkAbove = 1 << 20
)

// pingFrame is a ping request: xid -2, opcode 11, no body.
var pingFrame = func() []byte {
	b, start := jute.BeginFrame(nil)
	h := proto.RequestHeader{Xid: proto.XidPing, Type: proto.OpPing}
	b = h.AppendTo(b)
	jute.EndFrame(b, start)
	return b
}()

// writeLoop is the only goroutine that writes to the socket. Woken by
// Submit, it drains the queue into one reused buffer and writes it with one
// call: coalescing under load, one write per request when idle. Each call
// enters the pending FIFO before its bytes are written. When nothing was
// sent for pingEvery it sends a ping, which keeps the session alive and
// gives the reader something to receive.
func (l *link) writeLoop() {
	defer l.loops.Done()
	c := l.c
	var (
		buf   []byte  // the batch being written; reused
		batch []*Call // its calls, in order; reused
		offs  []int   // where each call's frame starts in buf
	)
	idle := time.NewTimer(l.pingEvery)
	defer idle.Stop()
	for {
		ping := false
		select {
		case <-l.dead:
			return
		case <-c.wake:
		case <-idle.C:
			ping = true
		}
		if !ping {
			// Under load, let the callers that the reader has just woken
			// queue their next requests before draining (linger.go):
			// otherwise the writer, readied by the first such Submit, runs
			// ahead of the others and writes one frame per syscall.
			l.lingerWrite()
		}
		for more := true; more; {
			batch, more = c.takeQueued(batch[:0], maxBatch)
			batch = l.claim(batch)
			if len(batch) == 0 && !ping {
				continue // everything taken was cancelled meanwhile
			}
			if !l.push(batch) {
				// Dead before a byte of these was written: they stay queued
				// for the next connection.
				c.requeue(batch)
				return
			}
			buf, offs = buf[:0], offs[:0]
			for _, call := range batch {
				offs = append(offs, len(buf))
				buf = append(buf, call.frame...)
				binary.BigEndian.PutUint32(buf[len(buf)-len(call.frame)+4:], uint32(call.xid))
				call.releaseFrame()
			}
			if len(batch) == 0 {
				buf = append(buf, pingFrame...)
			}
			ping = false
			l.nc.SetWriteDeadline(time.Now().Add(l.readTimeout))
			if n, err := l.nc.Write(buf); err != nil {
				l.requeueUnwritten(batch, offs, n)
				l.die(fmt.Errorf("write: %w", err))
				return
			}
			// Any write counts as a sign of life. (Go 1.23 timers: Reset
			// also discards an expiry not yet received.)
			idle.Reset(l.pingEvery)
			clear(batch)
			if cap(buf) > shrinkAbove {
				buf = nil
			}
		}
	}
}

// claim takes ownership of the batch's calls for writing and gives each
// its xid, in order. A call cancelled (or failed) while it sat in the
// queue is skipped: whoever changed its state has completed it.
func (l *link) claim(batch []*Call) []*Call {
	c := l.c
	w := batch[:0]
	for _, call := range batch {
		if !call.state.CompareAndSwap(callQueued, callWriting) {
			continue
		}
		if call.auth {
			call.xid = proto.XidAuth
		} else {
			c.xid = nextXid(c.xid)
			call.xid = c.xid
		}
		w = append(w, call)
	}
	clear(batch[len(w):])
	return w
}

// nextXid follows Java: normal xids count up from 1 and wrap back to 1;
// 0 and negative values are reserved for special packets.
func nextXid(x int32) int32 {
	if x <= 0 || x == math.MaxInt32 {
		return 1
	}
	return x + 1
}

// requeueUnwritten handles a failed write of n bytes: a call whose frame
// starts at or after n never reached the kernel, so it provably was not
// sent. Rather than failing it, it is taken back from the FIFO and queued
// again for the next connection, like a call that was still queued. Its
// frame went into the batch buffer and back to the pool: it is encoded
// again (its size was checked at Submit).
func (l *link) requeueUnwritten(batch []*Call, offs []int, n int) {
	back := l.unpush(batch[sort.SearchInts(offs, max(n, 0)):])
	for _, call := range back {
		call.encode(math.MaxInt32)
	}
	l.c.requeue(back)
}
