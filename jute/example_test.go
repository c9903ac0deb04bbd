package jute_test

import (
	"errors"
	"fmt"

	"github.com/zkwire/zk/jute"
)

// Encode a few values with the append functions, then read them back
// with a Reader, checking its error once at the end.
func Example() {
	var b []byte
	b = jute.AppendInt32(b, 42)
	b = jute.AppendString(b, "/app/config")
	b = jute.AppendBuffer(b, nil) // the null buffer: length -1
	b = jute.AppendBool(b, true)
	b = jute.AppendStrings(b, []string{"a", "b"})
	fmt.Printf("%d bytes\n", len(b))

	r := jute.NewReader(b)
	n := r.Int32()
	path := r.String()
	data := r.Buffer()
	watch := r.Bool()
	names := r.Strings()
	if err := r.Err(); err != nil {
		fmt.Println("decode:", err)
		return
	}
	fmt.Println(n, path, data == nil, watch, names, r.Len())
	// Output:
	// 38 bytes
	// 42 /app/config true true [a b] 0
}

// A Reader's error is sticky: once the input runs short, every later
// getter returns a zero value and Err reports the first failure.
func ExampleReader_Err() {
	b := jute.AppendInt32(nil, 7)
	b = jute.AppendInt64(b, 1<<40)[:8] // cut the int64 short

	r := jute.NewReader(b)
	fmt.Println(r.Int32(), r.Int64(), r.String(), r.Bool())
	fmt.Println(r.Err(), errors.Is(r.Err(), jute.ErrShort))
	// Output:
	// 7 0  false
	// jute: input too short true
}

// A length that does not fit in what remains is an error before anything
// is allocated, whatever it claims.
func ExampleReader_Buffer() {
	b := jute.AppendInt32(nil, 0x7fffffff) // a buffer "of 2 GiB"
	b = append(b, "abc"...)

	r := jute.NewReader(b)
	fmt.Println(r.Buffer() == nil)
	var lerr *jute.LengthError
	fmt.Println(errors.As(r.Err(), &lerr), lerr.Length, lerr.Remaining)
	// Output:
	// true
	// true 2147483647 3
}

// BeginFrame and EndFrame write a frame's length prefix in one pass.
func ExampleBeginFrame() {
	buf, start := jute.BeginFrame(nil)
	buf = jute.AppendInt32(buf, 1)
	buf = jute.AppendString(buf, "hi")
	n := jute.EndFrame(buf, start)
	fmt.Printf("payload %d bytes: % x\n", n, buf)
	// Output:
	// payload 10 bytes: 00 00 00 0a 00 00 00 01 00 00 00 02 68 69
}
