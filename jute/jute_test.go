package jute

import (
	"bytes"
	"errors"
	"testing"
)

func TestPrimitivesRoundTrip(t *testing.T) {
	var b []byte
	b = AppendInt32(b, -7)
	b = AppendInt64(b, 1<<40+3)
	b = AppendBool(b, true)
	b = AppendBool(b, false)
	b = AppendString(b, "héllo")
	b = AppendString(b, "")
	b = AppendBuffer(b, nil)
	b = AppendBuffer(b, []byte{})
	b = AppendBuffer(b, []byte{1, 2, 3})
	b = AppendStrings(b, nil)
	b = AppendStrings(b, []string{"a", "bc"})

	r := NewReader(b)
	if got := r.Int32(); got != -7 {
		t.Fatalf("Int32 = %d", got)
	}
	if got := r.Int64(); got != 1<<40+3 {
		t.Fatalf("Int64 = %d", got)
	}
	if !r.Bool() || r.Bool() {
		t.Fatal("Bool mismatch")
	}
	if got := r.String(); got != "héllo" {
		t.Fatalf("String = %q", got)
	}
	if got := r.String(); got != "" {
		t.Fatalf("empty String = %q", got)
	}
	if got := r.Buffer(); got != nil {
		t.Fatalf("null buffer = %v, want nil", got)
	}
	if got := r.Buffer(); got == nil || len(got) != 0 {
		t.Fatalf("empty buffer = %#v, want non-nil empty", got)
	}
	if got := r.Buffer(); !bytes.Equal(got, []byte{1, 2, 3}) {
		t.Fatalf("buffer = %v", got)
	}
	if got := r.Strings(); got != nil {
		t.Fatalf("null vector = %v", got)
	}
	if got := r.Strings(); len(got) != 2 || got[0] != "a" || got[1] != "bc" {
		t.Fatalf("strings = %v", got)
	}
	if r.Err() != nil || r.Len() != 0 {
		t.Fatalf("err=%v remaining=%d", r.Err(), r.Len())
	}
}

func TestWireBytes(t *testing.T) {
	// Null buffer is ff ff ff ff; a bool true is 01; ints are big-endian.
	got := AppendBuffer(AppendBool(AppendInt32(nil, 0x01020304), true), nil)
	want := []byte{1, 2, 3, 4, 1, 0xff, 0xff, 0xff, 0xff}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x want % x", got, want)
	}
	if r := NewReader([]byte{7}); !r.Bool() {
		t.Fatal("any non-zero byte must read as true")
	}
}

func TestBoundedLengths(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		read func(r *Reader)
	}{
		{"buffer larger than input", []byte{0, 0, 0, 9, 1, 2}, func(r *Reader) { r.Buffer() }},
		{"huge buffer", []byte{0x7f, 0xff, 0xff, 0xff}, func(r *Reader) { r.Buffer() }},
		{"negative buffer", []byte{0xff, 0xff, 0xff, 0xfe}, func(r *Reader) { r.Buffer() }},
		{"string larger than input", []byte{0, 0, 0, 5, 'a'}, func(r *Reader) { _ = r.String() }},
		{"vector count beyond input", []byte{0, 0, 0, 3, 0, 0, 0, 0}, func(r *Reader) { r.Strings() }},
		{"vector of 2^31-1", []byte{0x7f, 0xff, 0xff, 0xff}, func(r *Reader) { r.Strings() }},
		{"negative vector", []byte{0x80, 0, 0, 0}, func(r *Reader) { r.VectorLen(1) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(tc.in)
			tc.read(r)
			var le *LengthError
			if !errors.As(r.Err(), &le) && !errors.Is(r.Err(), ErrShort) {
				t.Fatalf("err = %v, want a length error", r.Err())
			}
		})
	}
}

func TestStickyError(t *testing.T) {
	r := NewReader([]byte{0, 0})
	if r.Int32() != 0 || !errors.Is(r.Err(), ErrShort) {
		t.Fatalf("short Int32: err=%v", r.Err())
	}
	// Later reads return zero values and keep the first error.
	r.Fail(errors.New("other"))
	if r.Int64() != 0 || r.String() != "" || r.Buffer() != nil || !errors.Is(r.Err(), ErrShort) {
		t.Fatal("reader is not sticky")
	}
	r.Reset([]byte{0, 0, 0, 1})
	if r.Int32() != 1 || r.Err() != nil {
		t.Fatal("Reset must clear the error")
	}
}

func TestFrame(t *testing.T) {
	b := []byte{9}
	b, start := BeginFrame(b)
	b = AppendInt32(b, 5)
	b = AppendString(b, "xy")
	if n := EndFrame(b, start); n != 10 {
		t.Fatalf("payload = %d", n)
	}
	want := []byte{9, 0, 0, 0, 10, 0, 0, 0, 5, 0, 0, 0, 2, 'x', 'y'}
	if !bytes.Equal(b, want) {
		t.Fatalf("got % x", b)
	}
}

func TestAppendAllocFree(t *testing.T) {
	buf := make([]byte, 0, 256)
	n := testing.AllocsPerRun(100, func() {
		b := AppendInt32(buf[:0], 1)
		b = AppendString(b, "/some/path")
		b = AppendBuffer(b, []byte("data"))
		_ = AppendBool(b, true)
	})
	if n != 0 {
		t.Fatalf("appends allocated %v times", n)
	}
}

// After ResetCopy, a decoded buffer survives the input being overwritten
// (the reader reuses its read buffer), and null and empty stay distinct.
func TestResetCopyBuffers(t *testing.T) {
	in := AppendBuffer(nil, []byte("data"))
	in = AppendBuffer(in, []byte{})
	in = AppendBuffer(in, nil)
	var r Reader
	r.ResetCopy(in)
	got, empty, null := r.Buffer(), r.Buffer(), r.Buffer()
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	clear(in)
	if string(got) != "data" {
		t.Fatalf("decoded buffer changed with its input: %q", got)
	}
	if empty == nil || len(empty) != 0 || null != nil {
		t.Fatalf("empty %#v, null %#v: want a non-nil empty slice and nil", empty, null)
	}
	r.Reset(AppendBuffer(nil, []byte("x")))
	if b := r.Buffer(); string(b) != "x" || r.copy {
		t.Fatal("Reset must leave copy mode")
	}
}
