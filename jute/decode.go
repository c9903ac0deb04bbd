package jute

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrShort is reported when a record needs more bytes than the input holds.
var ErrShort = errors.New("jute: input too short")

// LengthError is reported for a length field that is negative (other than
// the null marker -1) or larger than the bytes that remain.
type LengthError struct {
	What      string // "buffer", "string" or "vector"
	Length    int64
	Remaining int
}

func (e *LengthError) Error() string {
	return fmt.Sprintf("jute: %s length %d invalid with %d bytes remaining", e.What, e.Length, e.Remaining)
}

// Reader decodes jute values from a byte slice it never copies.
//
// Errors are sticky: after the first failure every getter returns a zero
// value and Err reports that first failure, so a record's decoder reads like
// its IDL and checks once at the end. Buffers returned by Buffer alias the
// input; the caller must not reuse the input while they are in use.
type Reader struct {
	buf  []byte
	off  int
	err  error
	copy bool // Buffer copies: buf is a read buffer, reused once decoded
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

// Reset makes r read b from its start, clearing any error. It lets one
// Reader serve many frames without allocating.
func (r *Reader) Reset(b []byte) { *r = Reader{buf: b} }

// ResetCopy is Reset for input that is reused once decoded (a socket's
// read buffer): Buffer then returns a copy, so no decoded value aliases b.
// A record with no buffer field is decoded with no allocation at all.
func (r *Reader) ResetCopy(b []byte) { *r = Reader{buf: b, copy: true} }

// Err returns the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Len returns how many bytes remain unread.
func (r *Reader) Len() int { return len(r.buf) - r.off }

// Offset returns how many bytes have been consumed.
func (r *Reader) Offset() int { return r.off }

// Fail records err (if no error was recorded yet). Records use it to report
// semantic problems, such as an unknown type tag, through the same channel.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *Reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > r.Len() {
		r.err = ErrShort
		return nil
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// Next reads n bytes as they are, for records that decode a fixed-size
// run of fields at once (a Stat, a reply header). The result aliases the
// input; it is nil after an error, or when fewer than n bytes remain (the
// error is then ErrShort).
func (r *Reader) Next(n int) []byte {
	if n < 0 {
		r.Fail(&LengthError{What: "fixed", Length: int64(n), Remaining: r.Len()})
		return nil
	}
	return r.take(n)
}

// Int32 reads a 4-byte big-endian int.
func (r *Reader) Int32() int32 {
	b := r.take(4)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

// Int64 reads an 8-byte big-endian long.
func (r *Reader) Int64() int64 {
	b := r.take(8)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// Bool reads one byte; any non-zero value is true, as in Java's reader.
func (r *Reader) Bool() bool {
	b := r.take(1)
	return b != nil && b[0] != 0
}

// length reads a length prefix and checks it against the remaining bytes,
// with each element taking at least minSize bytes. It returns -1 for null.
func (r *Reader) length(what string, minSize int) int {
	n := r.Int32()
	if r.err != nil {
		return -1
	}
	if n == -1 {
		return -1
	}
	if n < 0 || int64(n)*int64(minSize) > int64(r.Len()) {
		r.err = &LengthError{What: what, Length: int64(n), Remaining: r.Len()}
		return -1
	}
	return int(n)
}

// Buffer reads a buffer. The null buffer is returned as nil, an empty one as
// a non-nil empty slice. The result aliases the input (a copy after
// ResetCopy).
func (r *Reader) Buffer() []byte {
	n := r.length("buffer", 1)
	if n < 0 {
		return nil
	}
	b := r.take(n)
	if r.copy && b != nil {
		b = append(make([]byte, 0, n), b...)
	}
	return b
}

// String reads a ustring; the null string reads as "". Bytes are taken as
// they are: servers may send invalid UTF-8 and that is not an error here.
func (r *Reader) String() string {
	n := r.length("string", 1)
	if n <= 0 {
		return ""
	}
	return string(r.take(n))
}

// StringReuse reads a string like String, but returns old, without
// allocating, when the string read equals it: a reply that echoes what
// the request sent (a plain create's path) costs nothing to decode.
func (r *Reader) StringReuse(old string) string {
	n := r.length("string", 1)
	if n <= 0 {
		return ""
	}
	if b := r.take(n); string(b) != old {
		return string(b)
	}
	return old
}

// VectorLen reads a vector's element count, checked so that count ×
// minElemSize fits in what remains. It returns -1 for the null vector.
func (r *Reader) VectorLen(minElemSize int) int {
	if minElemSize < 1 {
		minElemSize = 1
	}
	return r.length("vector", minElemSize)
}

// Strings reads a vector<ustring>. The null vector reads as nil.
//
// The strings share one backing allocation (the vector's bytes, copied
// once), so a vector of a thousand child names costs two allocations, not
// a thousand and one; keeping any one of them keeps that block alive.
func (r *Reader) Strings() []string {
	n := r.VectorLen(4)
	if n < 0 {
		return nil
	}
	// First pass: check every length and find where the vector ends.
	start, off := r.off, r.off
	for range n {
		if len(r.buf)-off < 4 {
			r.err = ErrShort
			return nil
		}
		l := int32(binary.BigEndian.Uint32(r.buf[off:]))
		off += 4
		if l == -1 {
			continue // a null string reads as ""
		}
		if l < 0 || int64(l) > int64(len(r.buf)-off) {
			r.err = &LengthError{What: "string", Length: int64(l), Remaining: len(r.buf) - off}
			return nil
		}
		off += int(l)
	}
	// Second pass: slice the strings out of one copy.
	block := string(r.buf[start:off])
	ss := make([]string, n)
	p := 0
	for i := range ss {
		l := int32(binary.BigEndian.Uint32(r.buf[start+p:]))
		p += 4
		if l > 0 {
			ss[i] = block[p : p+int(l)]
			p += int(l)
		}
	}
	r.off = off
	return ss
}
