package jute

import "encoding/binary"

// AppendInt32 appends v as 4 big-endian bytes.
func AppendInt32(dst []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(dst, uint32(v))
}

// AppendInt64 appends v as 8 big-endian bytes.
func AppendInt64(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v))
}

// AppendBool appends one byte, 1 for true and 0 for false.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// AppendString appends a ustring: its byte length, then its bytes.
// Go strings cannot be null, so this never writes the -1 length.
func AppendString(dst []byte, s string) []byte {
	dst = AppendInt32(dst, int32(len(s)))
	return append(dst, s...)
}

// AppendBuffer appends a buffer: its length, then its bytes.
// A nil slice is written as the null buffer (length -1); an empty non-nil
// slice as a zero-length buffer. ZooKeeper keeps the difference.
func AppendBuffer(dst []byte, b []byte) []byte {
	if b == nil {
		return AppendInt32(dst, -1)
	}
	dst = AppendInt32(dst, int32(len(b)))
	return append(dst, b...)
}

// AppendVectorLen appends a vector's element count; a negative n writes the
// null vector (-1).
func AppendVectorLen(dst []byte, n int) []byte {
	if n < 0 {
		return AppendInt32(dst, -1)
	}
	return AppendInt32(dst, int32(n))
}

// AppendStrings appends a vector<ustring>. A nil slice is the null vector.
func AppendStrings(dst []byte, ss []string) []byte {
	if ss == nil {
		return AppendInt32(dst, -1)
	}
	dst = AppendInt32(dst, int32(len(ss)))
	for _, s := range ss {
		dst = AppendString(dst, s)
	}
	return dst
}
