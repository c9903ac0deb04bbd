package conn

import (
	"errors"

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
	var packets []restorePacket
	for _, g := range groups {
		packets = c.watchBatches(packets, g, rel)
	}
	if len(packets) == 0 {
		return
	}
	// The server sends a restore's catch-up events before its reply, so
	// the reply to the last packet ends them (see RestoreObserver).
	obs, _ := c.cfg.Watches.(RestoreObserver)
	var ok []*Call
	for _, p := range packets {
		call, set := p.call, p.set
		if err := call.encodeSized(c.cfg.MaxPacketSize, p.size); err != nil {
			// Only a single path longer than the packet limit gets here.
			// Its watches can never be restored: say so, or they would
			// silently never fire again.
			c.log.Info("zk: cannot restore watches", "err", err)
			if obs != nil {
				obs.WatchesNotRestored(set, err)
			}
			continue
		}
		call.markSubmitted() // queued below; nobody waits for it
		call.restore = true
		call.OnReply = func(call *Call) {
			err := call.Err
			if err == nil || errors.Is(err, errRestoreDropped) {
				return
			}
			c.log.Info("zk: restoring watches failed", "op", call.Op.String(), "err", err)
			if obs != nil && restoreRefused(err) {
				obs.WatchesNotRestored(set, err)
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

// restoreRefused reports whether a restore packet's error means the server
// will not hold its watches on this session: a server error code. A lost
// connection is not (the next one restores afresh), nor are expiry,
// authentication failure and Close, which end every watch anyway.
func restoreRefused(err error) bool {
	var ce *Error
	if errors.As(err, &ce) || errors.Is(err, ErrClosed) {
		return false
	}
	var code proto.Code
	if errors.As(err, &code) {
		return code != proto.ErrConnectionLoss && code != proto.ErrSessionExpired && code != proto.ErrAuthFailed
	}
	return true
}

// restorePacket is one SetWatches packet and the watches it carries, as
// the provider listed them (without the chroot prefix).
type restorePacket struct {
	call *Call
	set  WatchSet
	size int // the encoded frame's length
}

// watchBatches splits one group into packets: lists filled in the order
// data, exist, child, persistent, recursive (Java's order), each packet
// holding at most setWatchesPathBytes of path bytes and fitting the packet
// limit. A packet's lists are runs of the group's own lists (no copy);
// only under a chroot are the paths sent copied, with its prefix.
func (c *Conn) watchBatches(dst []restorePacket, g WatchSet, rel int64) []restorePacket {
	frameBudget := c.cfg.MaxPacketSize - setWatchesOverhead
	lists := [5][]string{g.Data, g.Exist, g.Child, g.Persistent, g.Recursive}
	var (
		from, to                 [5]int // the current packet's run of each list
		count, pathSum, frameSum int
	)
	flush := func() {
		if count == 0 {
			return
		}
		var orig, wire [5][]string
		for i := range lists {
			if to[i] > from[i] {
				orig[i] = lists[i][from[i]:to[i]:to[i]]
				wire[i] = orig[i]
				if c.chroot != "" {
					wire[i] = make([]string, len(orig[i]))
					for j, p := range orig[i] {
						wire[i][j] = c.chroot.Prefix(p)
					}
				}
			}
		}
		dst = append(dst, restorePacket{setWatchesCall(rel, wire), WatchSet{
			Data: orig[0], Exist: orig[1], Child: orig[2], Persistent: orig[3], Recursive: orig[4],
		}, setWatchesOverhead + frameSum})
		from, count, pathSum, frameSum = to, 0, 0, 0
	}
	for i, list := range lists {
		for j, p := range list {
			n := len(p) + len(c.chroot)
			if c.chroot != "" && p == "/" {
				n = len(c.chroot)
			}
			if count > 0 && (pathSum+n > setWatchesPathBytes || frameSum+4+n > frameBudget) {
				flush()
			}
			to[i] = j + 1
			count++
			pathSum += n
			frameSum += 4 + n
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

// dropRestore runs when a connection has ended: its watch-restore packets
// still queued (never taken by its writer, or taken and put back unwritten)
// are dropped, not sent, because the next connection restores afresh from
// the then last zxid. Sent as well, an older packet would make the server
// fire the same catch-up events twice.
func (c *Conn) dropRestore() {
	c.mu.Lock()
	var stale []*Call
	keep := c.queue[:0]
	for _, call := range c.queue {
		if call.restore {
			stale = append(stale, call)
		} else {
			keep = append(keep, call)
		}
	}
	clear(c.queue[len(keep):])
	c.queue = keep
	c.mu.Unlock()
	err := lossError(errRestoreDropped, false)
	for _, call := range stale {
		if call.state.CompareAndSwap(callQueued, callFailed) {
			call.releaseFrame()
			call.complete(err)
		}
	}
}

var errRestoreDropped = errors.New("the connection ended before the watches were restored; the next one restores them")
