// Package jute implements the binary encoding ZooKeeper uses on the wire
// (Apache Jute's BinaryOutputArchive and BinaryInputArchive): big-endian
// int32 and int64, one-byte booleans, and length-prefixed buffers, strings
// and vectors, with -1 as the null length.
//
// Most users never import it: the root package zk speaks the protocol for
// them. It is for code that handles raw frames, such as package proto's
// records, a proxy, a protocol analyser or a fake server.
//
// # Encoding
//
// Encoders are append functions (AppendInt32, AppendString, AppendBuffer,
// AppendVectorLen, ...) of the form func(dst []byte, v T) []byte, so the
// caller controls every allocation and a buffer with spare capacity is
// filled without allocating. A nil buffer or vector is written as null
// (length -1), an empty one as length 0; ZooKeeper keeps the difference.
// BeginFrame and EndFrame put the 4-byte length prefix in front of a frame
// in one pass: reserve it, append the body, then fill it in.
//
// # Decoding
//
// A Reader decodes from a byte slice. Its errors are sticky: after the
// first failure every getter returns a zero value and Err reports that
// first failure, so a decoder reads field after field like the IDL and
// checks Err once at the end. A Reader never panics on bad input. Every
// length is checked against the bytes that remain before anything is
// allocated, so a hostile length such as 0x7fffffff is a *LengthError, not
// a 2 GiB allocation; input that ends early is ErrShort.
//
// Buffers returned by Reader.Buffer and Reader.Next alias the input: keep
// the input unchanged while they are in use. Strings are copies.
//
// # Concurrency
//
// The functions are pure. A Reader is not safe for concurrent use; give
// each goroutine its own (Reset lets one Reader serve many frames).
//
// The package imports only encoding/binary, errors and fmt, so it can be
// fuzzed and reused anywhere.
package jute
