package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The shell's line editor, standard library only (the library module has
// no dependencies): keys decoded from the terminal's bytes edit a buffer,
// and each change redraws the line. Output processing stays on in raw
// mode (term_linux.go), so a newline is written as "\n". This file is pure logic; the terminal
// (raw mode) is in term_*.go, the wiring in shell_edit.go.

// key is one decoded key press: a rune, or one of the named keys below.
type key rune

const (
	keyNone key = -1 - iota
	keyUp
	keyDown
	keyLeft
	keyRight
	keyHome
	keyEnd
	keyDelete
)

const (
	ctrlA     key = 1
	ctrlC     key = 3
	ctrlD     key = 4
	ctrlE     key = 5
	ctrlH     key = 8
	keyTab    key = 9
	keyLF     key = 10
	ctrlK     key = 11
	keyEnter  key = 13
	ctrlU     key = 21
	ctrlW     key = 23
	keyEsc    key = 27
	keyDelASC key = 127 // what Backspace sends on most terminals
)

// keyDecoder turns the terminal's bytes into keys: escape sequences for
// arrows, Home, End and Delete (ESC [ X, ESC O X, ESC [ n ~), UTF-8 for
// the rest.
type keyDecoder struct {
	pending []byte
}

// feed adds b and returns the key it completes, or keyNone.
func (d *keyDecoder) feed(b byte) key {
	d.pending = append(d.pending, b)
	p := d.pending
	if p[0] == byte(keyEsc) {
		if len(p) == 1 {
			return keyNone
		}
		if p[1] != '[' && p[1] != 'O' {
			d.pending = d.pending[:0] // Alt-something: ignored
			return keyNone
		}
		if len(p) == 2 {
			return keyNone
		}
		last := p[len(p)-1]
		if last >= '0' && last <= '9' || last == ';' {
			if len(p) > 16 { // not a sequence we know
				d.pending = d.pending[:0]
			}
			return keyNone
		}
		seq := string(p[2:])
		d.pending = d.pending[:0]
		switch seq {
		case "A":
			return keyUp
		case "B":
			return keyDown
		case "C":
			return keyRight
		case "D":
			return keyLeft
		case "H", "1~", "7~":
			return keyHome
		case "F", "4~", "8~":
			return keyEnd
		case "3~":
			return keyDelete
		}
		return keyNone
	}
	if p[0] < utf8.RuneSelf {
		d.pending = d.pending[:0]
		return key(p[0])
	}
	if !utf8.FullRune(p) {
		return keyNone
	}
	r, _ := utf8.DecodeRune(p)
	d.pending = d.pending[:0]
	return key(r)
}

// editResult says what a key did to the line.
type editResult int

const (
	editing   editResult = iota
	lineDone             // Enter: the line is complete
	lineAbort            // Ctrl-C: the line is dropped, a new prompt follows
	inputEOF             // Ctrl-D on an empty line
)

// completer returns, for the line and the cursor position, where the
// word being completed starts and the words it could become.
type completer func(line string, pos int) (start int, candidates []string)

// lineEditor is the state of one shell's editing: the line, the cursor,
// the history.
type lineEditor struct {
	prompt   string
	buf      []rune
	pos      int
	history  []string
	hpos     int    // index in history of the line shown; len(history): the new line
	draft    []rune // the new line, kept while browsing history
	tabs     int    // consecutive Tabs
	complete completer
	out      bytes.Buffer // what to write to the terminal
	// width is the terminal's, in columns (0: unknown, no wrapping);
	// row is the screen row of the cursor, counted from the prompt's, so
	// a line longer than the screen is redrawn from its first row.
	width, row int
}

// start begins a new line with prompt.
func (e *lineEditor) start(prompt string) {
	e.prompt, e.buf, e.pos, e.tabs = prompt, nil, 0, 0
	e.hpos, e.draft = len(e.history), nil
	e.row = 0
	e.out.WriteString(prompt)
	e.row = e.afterWrite(utf8.RuneCountInString(prompt))
}

// line returns the buffer as text.
func (e *lineEditor) line() string { return string(e.buf) }

// addHistory records a line entered, skipping blanks and repeats.
func (e *lineEditor) addHistory(l string) {
	if strings.TrimSpace(l) == "" || len(e.history) > 0 && e.history[len(e.history)-1] == l {
		return
	}
	e.history = append(e.history, l)
	if len(e.history) > 1000 {
		e.history = e.history[1:]
	}
}

// press applies one key.
func (e *lineEditor) press(k key) editResult {
	if k != keyTab {
		e.tabs = 0
	}
	switch k {
	case keyNone:
		return editing
	case keyEnter, keyLF:
		e.out.WriteString("\n")
		return lineDone
	case ctrlC:
		e.out.WriteString("^C\n")
		return lineAbort
	case ctrlD:
		if len(e.buf) == 0 {
			e.out.WriteString("\n")
			return inputEOF
		}
		e.deleteAt(e.pos)
	case keyDelete:
		e.deleteAt(e.pos)
	case keyDelASC, ctrlH:
		if e.pos > 0 {
			e.pos--
			e.deleteAt(e.pos)
		}
	case keyLeft:
		if e.pos > 0 {
			e.pos--
		}
	case keyRight:
		if e.pos < len(e.buf) {
			e.pos++
		}
	case keyHome, ctrlA:
		e.pos = 0
	case keyEnd, ctrlE:
		e.pos = len(e.buf)
	case ctrlU:
		e.buf = append([]rune{}, e.buf[e.pos:]...)
		e.pos = 0
	case ctrlK:
		e.buf = e.buf[:e.pos]
	case ctrlW:
		i := e.pos
		for i > 0 && e.buf[i-1] == ' ' {
			i--
		}
		for i > 0 && e.buf[i-1] != ' ' {
			i--
		}
		e.buf = append(e.buf[:i], e.buf[e.pos:]...)
		e.pos = i
	case keyUp:
		if e.hpos == 0 {
			return editing
		}
		if e.hpos == len(e.history) {
			e.draft = append([]rune{}, e.buf...)
		}
		e.hpos--
		e.buf = []rune(e.history[e.hpos])
		e.pos = len(e.buf)
	case keyDown:
		if e.hpos == len(e.history) {
			return editing
		}
		e.hpos++
		if e.hpos == len(e.history) {
			e.buf = append([]rune{}, e.draft...)
		} else {
			e.buf = []rune(e.history[e.hpos])
		}
		e.pos = len(e.buf)
	case keyTab:
		e.tabs++
		e.tab()
	default:
		if k < 0 || !unicode.IsPrint(rune(k)) {
			return editing // other control keys do nothing
		}
		e.buf = append(e.buf[:e.pos], append([]rune{rune(k)}, e.buf[e.pos:]...)...)
		e.pos++
	}
	e.redraw()
	return editing
}

func (e *lineEditor) deleteAt(i int) {
	if i < len(e.buf) {
		e.buf = append(e.buf[:i], e.buf[i+1:]...)
	}
}

// tab completes the word before the cursor: one candidate replaces it,
// several extend it to their common prefix, and a second Tab in a row
// lists them.
func (e *lineEditor) tab() {
	if e.complete == nil {
		return
	}
	line := string(e.buf[:e.pos])
	start, cands := e.complete(string(e.buf), len(line))
	if len(cands) == 0 || start < 0 || start > len(line) {
		return
	}
	word := line[start:]
	repl := commonPrefix(cands)
	if len(cands) == 1 && !strings.HasSuffix(repl, "/") && !strings.HasPrefix(repl, "/") {
		repl += " " // a command name: the argument follows
	}
	if len(repl) > len(word) {
		ins := []rune(repl[len(word):])
		if !strings.HasPrefix(repl, word) { // a case-insensitive command match
			ins = []rune(repl)
			head := []rune(line[:start])
			e.buf = append(head, e.buf[e.pos:]...)
			e.pos = len(head)
		}
		e.buf = append(e.buf[:e.pos], append(ins, e.buf[e.pos:]...)...)
		e.pos += len(ins)
		return
	}
	if len(cands) > 1 && e.tabs >= 2 {
		names := make([]string, len(cands))
		for i, c := range cands {
			names[i] = c[strings.LastIndex(c, "/")+1:]
			if names[i] == "" {
				names[i] = c
			}
		}
		sort.Strings(names)
		e.moveTo(len(e.buf)) // below the whole line
		fmt.Fprintf(&e.out, "\n%s\n", strings.Join(names, "  "))
		e.row = 0 // redraw puts prompt and line on the fresh row
	}
}

func commonPrefix(words []string) string {
	p := words[0]
	for _, w := range words[1:] {
		for !strings.HasPrefix(w, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// redraw rewrites the prompt and the line from the line's first row,
// clears what a longer line left below, and puts the cursor back.
func (e *lineEditor) redraw() {
	if e.row > 0 {
		fmt.Fprintf(&e.out, "\x1b[%dA", e.row)
	}
	// Clear first: clearing after writing would erase a full row's last
	// character, where the cursor waits to wrap.
	fmt.Fprintf(&e.out, "\r\x1b[J%s%s", e.prompt, string(e.buf))
	e.row = e.afterWrite(e.promptLen() + len(e.buf))
	e.moveTo(e.pos)
}

func (e *lineEditor) promptLen() int { return utf8.RuneCountInString(e.prompt) }

// afterWrite returns the row the cursor is on after n columns were
// written from the line's start. A terminal leaves the cursor on the last
// column of a full row until the next character: a newline moves it to
// the next row, so that the count stays simple.
func (e *lineEditor) afterWrite(n int) int {
	if e.width <= 0 {
		return 0
	}
	if n > 0 && n%e.width == 0 {
		e.out.WriteString("\n")
	}
	return n / e.width
}

// moveTo puts the cursor on buffer position pos, from row e.row.
func (e *lineEditor) moveTo(pos int) {
	col := e.promptLen() + pos
	row := 0
	if e.width > 0 {
		row, col = col/e.width, col%e.width
	}
	switch {
	case row < e.row:
		fmt.Fprintf(&e.out, "\x1b[%dA", e.row-row)
	case row > e.row:
		fmt.Fprintf(&e.out, "\x1b[%dB", row-e.row)
	}
	e.out.WriteString("\r")
	if col > 0 {
		fmt.Fprintf(&e.out, "\x1b[%dC", col)
	}
	e.row = row
}

// completeWord is the shell's completer: the first word completes to a
// command name, a later word starting with / to a node path, whose
// parent's children come from children.
func completeWord(children func(parent string) ([]string, error)) completer {
	return func(line string, pos int) (int, []string) {
		head := line[:pos]
		start := strings.LastIndexAny(head, " \t") + 1
		word := head[start:]
		if strings.TrimSpace(head[:start]) == "" {
			var out []string
			for _, name := range commandNames() {
				if strings.HasPrefix(strings.ToLower(name), strings.ToLower(word)) {
					out = append(out, name)
				}
			}
			return start, out
		}
		if !strings.HasPrefix(word, "/") {
			return start, nil
		}
		slash := strings.LastIndexByte(word, '/')
		parent, prefix := word[:slash], word[slash+1:]
		node := parent
		if node == "" {
			node = "/"
		}
		kids, err := children(node)
		if err != nil {
			return start, nil
		}
		var out []string
		for _, k := range kids {
			if strings.HasPrefix(k, prefix) {
				out = append(out, parent+"/"+k)
			}
		}
		sort.Strings(out)
		return start, out
	}
}

// commandNames lists what the first word can be.
func commandNames() []string {
	names := []string{"quit", "exit"}
	for _, v := range verbs {
		names = append(names, v.name)
	}
	return names
}
