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
