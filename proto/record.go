// Package proto holds ZooKeeper's wire records and constants: opcodes, error
// codes, event types, keeper states, create modes, permissions, and every
// request and response record, each able to encode and decode itself.
//
// Names follow zookeeper.jute. The package is pure data: no I/O, no
// goroutines. Records that are not in the IDL (multi, the read-only flag of
// connect) are hand-written in their own files and say which Java code they
// mirror.
//
// Every record implements Record. Decode takes a *jute.Reader rather than a
// byte slice so that records nest (Stat inside responses, ops inside multi)
// and one Reader can be reused frame after frame; Unmarshal wraps it for a
// standalone byte slice. Decoded []byte fields alias the input.
package proto

import "github.com/zkwire/zk/jute"

// Record is a jute record that can encode and decode itself.
type Record interface {
	// AppendTo appends the record's wire encoding to dst.
	AppendTo(dst []byte) []byte
	// Decode reads the record from r. Errors are left in r (see jute.Reader).
	Decode(r *jute.Reader)
}

// Marshal returns the encoding of rec in a new slice.
func Marshal(rec Record) []byte { return rec.AppendTo(nil) }

// Unmarshal decodes rec from b. Trailing bytes are ignored, as the Java
// reader does; newer servers append fields.
func Unmarshal(b []byte, rec Record) error {
	r := jute.NewReader(b)
	rec.Decode(r)
	return r.Err()
}

// Empty is the record of requests and replies that carry no body (ping,
// closeSession, whoAmI requests; delete, check and removeWatches replies).
type Empty struct{}

func (Empty) AppendTo(dst []byte) []byte { return dst }
func (Empty) Decode(*jute.Reader)        {}
