package jute

import "encoding/binary"

// BeginFrame reserves the 4-byte length prefix of a frame at the end of dst.
// It returns the grown slice and the prefix's offset for EndFrame.
func BeginFrame(dst []byte) ([]byte, int) {
	start := len(dst)
	return append(dst, 0, 0, 0, 0), start
}

// EndFrame writes the length of everything appended since BeginFrame into
// the reserved prefix, so a frame is encoded in one pass with no size
// precomputation. It returns the payload length.
func EndFrame(dst []byte, start int) int {
	n := len(dst) - start - 4
	binary.BigEndian.PutUint32(dst[start:], uint32(n))
	return n
}
