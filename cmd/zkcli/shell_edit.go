package main

import (
	"context"
	"io"
	"os"
	"time"
)

// termInput reads the shell's lines from a terminal through the line
// editor: raw mode only while a line is being typed, so that a running
// command (a watch) still gets Ctrl-C as SIGINT.
type termInput struct {
	fd      uintptr
	out     io.Writer
	chunks  <-chan []byte // stdin, read by a goroutine of its own
	pending []byte        // bytes read past the last Enter (type-ahead)
	dec     keyDecoder
	ed      lineEditor
}

// newTermInput returns a line editor on in and out when both are a
// terminal that raw mode works on, else nil (the plain line reader).
func newTermInput(sys stdio, children func(parent string) ([]string, error)) *termInput {
	f, ok := sys.in.(*os.File)
	if !ok || !sys.inTerminal || !sys.outTerminal {
		return nil
	}
	restore, err := rawMode(f.Fd())
	if err != nil {
		return nil
	}
	restore()
	chunks := make(chan []byte)
	go func() {
		// Blocked in Read, it may outlive the shell by the time the
		// process takes to exit, like the plain reader.
		defer close(chunks)
		for {
			b := make([]byte, 256)
			n, err := f.Read(b)
			if n > 0 {
				chunks <- b[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	t := &termInput{fd: f.Fd(), out: sys.out, chunks: chunks}
	t.ed.complete = completeWord(children)
	return t
}

// readLine edits one line after prompt. It returns the line, or ok false
// at Ctrl-D on an empty line, end of input or ctx's end; aborted reports
// Ctrl-C (the line is dropped).
func (t *termInput) readLine(ctx context.Context, prompt string, interrupts <-chan os.Signal) (line string, aborted, ok bool) {
	restore, err := rawMode(t.fd)
	if err != nil {
		return "", false, false
	}
	defer restore()
	t.ed.width = termWidth(t.fd) // again each line: the window may have been resized
	t.ed.start(prompt)
	t.flush()
	for {
		for len(t.pending) > 0 {
			b := t.pending[0]
			t.pending = t.pending[1:]
			res := t.ed.press(t.dec.feed(b))
			t.flush()
			switch res {
			case lineDone:
				line = t.ed.line()
				t.ed.addHistory(line)
				return line, false, true
			case lineAbort:
				return "", true, true
			case inputEOF:
				return "", false, false
			}
		}
		select {
		case b, open := <-t.chunks:
			if !open {
				return "", false, false
			}
			t.pending = b
		case <-interrupts:
			return "", false, false
		case <-ctx.Done():
			return "", false, false
		}
	}
}

func (t *termInput) flush() {
	if t.ed.out.Len() > 0 {
		t.out.Write(t.ed.out.Bytes())
		t.ed.out.Reset()
	}
}

// nodeChildren lists a node's children for Tab, bounded so that a slow
// server does not freeze the prompt.
func (s *session) nodeChildren(ctx context.Context) func(parent string) ([]string, error) {
	return func(parent string) ([]string, error) {
		ctx, cancel := context.WithTimeout(ctx, min(s.cfg.cmdTimeout, 3*time.Second))
		defer cancel()
		if !connected(s.c.State()) {
			return nil, &errNotConnected{state: s.c.State()}
		}
		kids, _, err := s.c.Children(ctx, parent)
		return kids, err
	}
}
