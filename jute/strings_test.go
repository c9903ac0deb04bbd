package jute

import (
	"errors"
	"testing"
	"unsafe"
)

// Strings slices every name out of one block: check nulls, empties, and
// that a bad length anywhere fails the whole vector without consuming it.
func TestStringsSharedBlock(t *testing.T) {
	b := AppendInt32(nil, 4)
	b = AppendString(b, "alpha")
	b = AppendInt32(b, -1) // null string
	b = AppendString(b, "")
	b = AppendString(b, "z")
	b = AppendInt32(b, 42) // trailing field
	r := NewReader(b)
	got := r.Strings()
	want := []string{"alpha", "", "", "z"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if r.Int32() != 42 || r.Err() != nil || r.Len() != 0 {
		t.Fatalf("after the vector: err=%v remaining=%d", r.Err(), r.Len())
	}
	if n := testing.AllocsPerRun(100, func() { NewReader(b).Strings() }); n > 3 {
		t.Fatalf("Strings allocated %v times, want at most 3 (reader, block, slice)", n)
	}

	bad := [][]byte{
		append(AppendInt32(nil, 2), AppendString(nil, "a")...),                                    // second string missing
		append(append(AppendInt32(nil, 2), AppendString(nil, "a")...), 0xff, 0xff, 0xff, 0xfe, 0), // negative length
		append(append(AppendInt32(nil, 2), AppendString(nil, "a")...), 0, 0, 0, 9, 0),             // length beyond input
	}
	for i, in := range bad {
		r := NewReader(in)
		if ss := r.Strings(); ss != nil {
			t.Errorf("case %d: got %q", i, ss)
		}
		var le *LengthError
		if !errors.Is(r.Err(), ErrShort) && !errors.As(r.Err(), &le) {
			t.Errorf("case %d: err = %v", i, r.Err())
		}
	}
}

func TestNext(t *testing.T) {
	r := NewReader([]byte{1, 2, 3})
	if b := r.Next(2); len(b) != 2 || b[1] != 2 {
		t.Fatalf("Next(2) = %v", b)
	}
	if b := r.Next(2); b != nil || !errors.Is(r.Err(), ErrShort) {
		t.Fatalf("Next past the end = %v, err %v", b, r.Err())
	}
	r = NewReader([]byte{1})
	var le *LengthError
	if b := r.Next(-1); b != nil || !errors.As(r.Err(), &le) {
		t.Fatalf("Next(-1) = %v, err %v", b, r.Err())
	}
}

// StringReuse returns the old string, without allocating, only when the
// bytes read equal it; otherwise it reads as String does, errors included.
func TestStringReuse(t *testing.T) {
	frame := AppendString(nil, "/app/node")
	old := string([]byte("/app/node")) // not the frame's bytes
	var r Reader
	r.Reset(frame)
	got := r.StringReuse(old)
	if got != old || r.Err() != nil || r.Len() != 0 {
		t.Fatalf("got %q err=%v remaining=%d", got, r.Err(), r.Len())
	}
	if unsafe.StringData(got) != unsafe.StringData(old) {
		t.Fatal("an equal string was copied, not reused")
	}
	if n := testing.AllocsPerRun(100, func() { r.Reset(frame); r.StringReuse(old) }); n != 0 {
		t.Fatalf("an equal string allocated %v times, want 0", n)
	}

	r.Reset(AppendString(nil, "/app/node0000000001"))
	if got := r.StringReuse(old); got != "/app/node0000000001" || r.Err() != nil {
		t.Fatalf("a different string: got %q err=%v", got, r.Err())
	}
	r.Reset(AppendInt32(nil, -1))
	if got := r.StringReuse(old); got != "" || r.Err() != nil {
		t.Fatalf("a null string: got %q err=%v", got, r.Err())
	}
	r.Reset(append(AppendInt32(nil, 20), "/app"...))
	if got := r.StringReuse("/app"); got != "" || r.Err() == nil {
		t.Fatalf("a short frame: got %q err=%v, want an error", got, r.Err())
	}
}
