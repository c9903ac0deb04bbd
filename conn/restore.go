package conn

import (
	"github.com/zkwire/zk/proto"
)

// setWatchesPathBytes bounds the path bytes in one SetWatches packet. One
// packet with every watch can exceed the server's 1 MiB frame limit, which
// then drops the connection on every reconnect, forever (ZOOKEEPER-706);
// Java batches at 128 KiB of path characters.
const setWatchesPathBytes = 128 << 10

// setWatchesOverhead is a SetWatches2 frame without its paths: length,
// request header, relativeZxid, five vector counts.
const setWatchesOverhead = 4 + 8 + 8 + 5*4

// restoreWatches queues SetWatches packets for the watches of an existing
// session, at the front of the queue: behind the replayed credentials
// (sent in the handshake) and ahead of every request queued while
// disconnected, so a request never runs before the watches it may trigger
// are back. relativeZxid is the last zxid seen: the server fires at once
// for every change made since (protocol.md §7.5). They use normal xids and
// the pending FIFO like any request. Called by the session goroutine before
// the loops start.
func (c *Conn) restoreWatches(groups []WatchSet) {
	rel := c.lastZxid.Load()
	var calls []*Call
	for _, g := range groups {
		calls = c.watchBatches(calls, g, rel)
	}
	if len(calls) == 0 {
		return
	}
	// The server sends a restore's catch-up events before its reply, so
	// the reply to the last packet ends them (see RestoreObserver).
	obs, _ := c.cfg.Watches.(RestoreObserver)
	ok := calls[:0]
	for _, call := range calls {
		if err := call.encode(c.cfg.MaxPacketSize); err != nil {
			// Only a single path longer than the packet limit gets here.
			c.log.Info("zk: cannot restore watches", "err", err)
			continue
		}
		call.done = make(chan struct{})
		call.OnReply = func(call *Call) {
			if err := call.Err; err != nil {
				c.log.Info("zk: restoring watches failed", "op", call.Op.String(), "err", err)
			}
		}
		ok = append(ok, call)
	}
	if obs != nil && len(ok) > 0 {
		last := ok[len(ok)-1]
		log := last.OnReply
		last.OnReply = func(call *Call) { log(call); obs.WatchesRestored() }
	}
	c.mu.Lock()
	c.queue = append(append(make([]*Call, 0, len(ok)+len(c.queue)), ok...), c.queue...)
	c.mu.Unlock()
	c.log.Debug("zk: restoring watches", "packets", len(ok), "relativeZxid", rel)
}

// watchBatches splits one group into packets: lists filled in the order
// data, exist, child, persistent, recursive (Java's order), each packet
// holding at most setWatchesPathBytes of path bytes and fitting the packet
// limit. Paths get the chroot prefix.
func (c *Conn) watchBatches(dst []*Call, g WatchSet, rel int64) []*Call {
	frameBudget := c.cfg.MaxPacketSize - setWatchesOverhead
	var (
		cur            [5][]string
		count, pathSum int
		frameSum       int
	)
	flush := func() {
		if count > 0 {
			dst = append(dst, setWatchesCall(rel, cur))
		}
		cur, count, pathSum, frameSum = [5][]string{}, 0, 0, 0
	}
	for i, list := range [5][]string{g.Data, g.Exist, g.Child, g.Persistent, g.Recursive} {
		for _, p := range list {
			full := c.chroot.Prefix(p)
			if count > 0 && (pathSum+len(full) > setWatchesPathBytes || frameSum+4+len(full) > frameBudget) {
				flush()
			}
			cur[i] = append(cur[i], full)
			count++
			pathSum += len(full)
			frameSum += 4 + len(full)
		}
	}
	flush()
	return dst
}

// setWatchesCall builds one packet: SetWatches (opcode 101, which every
// server knows) unless it carries persistent or recursive watches, which
// need SetWatches2 (105, 3.6+). Every list is sent non-null: a 3.8 server
// throws a NullPointerException on a null (-1) vector and registers
// nothing; Java always sends empty lists.
func setWatchesCall(rel int64, l [5][]string) *Call {
	for i := range l {
		if l[i] == nil {
			l[i] = []string{}
		}
	}
	if len(l[3]) == 0 && len(l[4]) == 0 {
		return &Call{Op: proto.OpSetWatches, Req: &proto.SetWatches{
			RelativeZxid: rel, DataWatches: l[0], ExistWatches: l[1], ChildWatches: l[2],
		}}
	}
	return &Call{Op: proto.OpSetWatches2, Req: &proto.SetWatches2{
		RelativeZxid: rel, DataWatches: l[0], ExistWatches: l[1], ChildWatches: l[2],
		PersistentWatches: l[3], PersistentRecursiveWatches: l[4],
	}}
}
