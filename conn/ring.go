package conn

// ring is a FIFO of calls in a circular buffer: the pending FIFO, where
// the writer pushes at the back and the reader pops at the front. Under
// steady pipelining a sliding slice keeps running out of room at its end
// and reallocating; a ring reuses its slots and grows (doubling) only when
// more calls are in flight than ever before on the connection.
type ring struct {
	buf  []*Call // len(buf) is 0 or a power of two
	head int     // index of the oldest call
	n    int     // calls held
}

func (r *ring) len() int { return r.n }

// push appends call at the back.
func (r *ring) push(call *Call) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = call
	r.n++
}

func (r *ring) grow() {
	buf := make([]*Call, max(16, 2*len(r.buf)))
	for i := range r.n {
		buf[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
	}
	r.buf, r.head = buf, 0
}

// front returns the oldest call, nil if empty.
func (r *ring) front() *Call {
	if r.n == 0 {
		return nil
	}
	return r.buf[r.head]
}

// back returns the newest call, nil if empty.
func (r *ring) back() *Call {
	if r.n == 0 {
		return nil
	}
	return r.buf[(r.head+r.n-1)&(len(r.buf)-1)]
}

// popFront removes and returns the oldest call, nil if empty.
func (r *ring) popFront() *Call {
	if r.n == 0 {
		return nil
	}
	call := r.buf[r.head]
	r.buf[r.head] = nil
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return call
}

// popBack removes and returns the newest call, nil if empty.
func (r *ring) popBack() *Call {
	if r.n == 0 {
		return nil
	}
	i := (r.head + r.n - 1) & (len(r.buf) - 1)
	call := r.buf[i]
	r.buf[i] = nil
	r.n--
	return call
}

// drain removes every call and returns them, oldest first (nil if none).
func (r *ring) drain() []*Call {
	if r.n == 0 {
		return nil
	}
	out := make([]*Call, 0, r.n)
	for r.n > 0 {
		out = append(out, r.popFront())
	}
	return out
}
