// Package batch splits the reads of many nodes into MultiRead batches
// bounded in count and in reply bytes. A count alone is not enough: 20
// nodes of 900 KB make an 18 MB reply, over what the client accepts
// (16 MiB by default), and a reply over the limit fails the call
// (zk.ErrReplyTooLarge from conn) every time it is tried again.
package batch

import (
	"context"
	"errors"

	"github.com/zkwire/zk"
)

const (
	// MaxNodes bounds the nodes of one batch, well under the server's
	// request limit for their paths.
	MaxNodes = 128
	// MaxBytes is the reply budget of one batch: the client's default
	// 16 MiB reply limit less room for framing and estimates that are low.
	MaxBytes = 12 << 20
	// Unknown is what a node of unknown size counts: the largest node a
	// server accepts by default (jute.maxbuffer, 1 MiB). So a batch of
	// unknown nodes stays under the limit without having to fail first.
	Unknown = 1 << 20
	// PerNode is a node's reply bytes besides its data: result header,
	// Stat and lengths.
	PerNode = 128
)

// Size is the estimate of one node's reply bytes: its data length (from a
// cached Stat, a hint: the data may have grown since) and the bytes of its
// children's names (for a read that lists them too), or Unknown plus the
// names when no length is known (known false). A hint that proves low
// costs one failed batch (the client fails a reply over its limit with
// its own error and keeps the connection), which Run then splits.
func Size(dataLength, childNames int, known bool) int {
	if !known {
		return Unknown + PerNode + max(childNames, 0)
	}
	return PerNode + max(dataLength, 0) + max(childNames, 0)
}

// Run reads the items in the batches Plan makes of sizes, calling read(lo,
// hi) for each. When a batch of several items fails with an error that a
// smaller batch may not have (Splittable: a reply too large, whatever the
// estimates missed), it is split in two halves that are read in turn,
// down to one item, whose error is returned.
func Run(ctx context.Context, sizes []int, read func(lo, hi int) error) error {
	for _, b := range Plan(sizes) {
		if err := split(ctx, b[0], b[1], read); err != nil {
			return err
		}
	}
	return nil
}

func split(ctx context.Context, lo, hi int, read func(lo, hi int) error) error {
	err := read(lo, hi)
	if err == nil || hi-lo == 1 || !Splittable(ctx, err) {
		return err
	}
	mid := lo + (hi-lo)/2
	if err := split(ctx, lo, mid, read); err != nil {
		return err
	}
	return split(ctx, mid, hi, read)
}

// Plan cuts items 0..len(sizes)-1 into consecutive batches [lo, hi) of at
// most MaxNodes items and MaxBytes estimated bytes; an item bigger than
// MaxBytes goes alone.
func Plan(sizes []int) [][2]int {
	var out [][2]int
	lo, bytes := 0, 0
	for i, s := range sizes {
		if i > lo && (i-lo >= MaxNodes || bytes+s > MaxBytes) {
			out = append(out, [2]int{lo, i})
			lo, bytes = i, 0
		}
		bytes += s
	}
	if lo < len(sizes) {
		out = append(out, [2]int{lo, len(sizes)})
	}
	return out
}

// Splittable reports whether a batch's error may go away in a smaller
// batch: anything but the session's and the caller's own ends, which any
// batch would meet as well.
func Splittable(ctx context.Context, err error) bool {
	switch {
	case ctx.Err() != nil,
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, zk.ErrConnectionLoss), errors.Is(err, zk.ErrSessionExpired),
		errors.Is(err, zk.ErrClosed), errors.Is(err, zk.ErrAuthFailed),
		errors.Is(err, zk.ErrSessionMoved):
		return false
	}
	return true
}
