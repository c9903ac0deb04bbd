package zk

// BatchSent reports how many of b's operations have been handed to the
// client and the weight of those in flight, for tests of the window.
func BatchSent(b *Batch) (sent int, inflight int64) { return b.r.sent, b.r.inflight.Load() }

// BatchWindow is the bound on a batch's weight in flight.
const BatchWindow = batchWindow
