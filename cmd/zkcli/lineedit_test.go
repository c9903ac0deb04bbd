package main

import (
	"errors"
	"strings"
	"testing"
)

// edit feeds input to an editor with history and returns the line and
// cursor when a key ends the line (or input runs out), what ended it,
// and the editor.
func edit(t *testing.T, ed *lineEditor, input string) (line string, pos int, res editResult) {
	t.Helper()
	var dec keyDecoder
	ed.start("> ")
	for i := 0; i < len(input); i++ {
		res = ed.press(dec.feed(input[i]))
		if res != editing {
			return ed.line(), ed.pos, res
		}
	}
	return ed.line(), ed.pos, editing
}

func TestLineEditorKeys(t *testing.T) {
	const (
		left, right = "\x1b[D", "\x1b[C"
		home, end   = "\x1b[H", "\x1b[F"
		home2, end2 = "\x1b[1~", "\x1b[4~"
		homeO       = "\x1bOH"
		del         = "\x1b[3~"
		bs          = "\x7f"
	)
	for _, tc := range []struct {
		name, input, line string
		pos               int
		res               editResult
	}{
		{"type", "ls /a\r", "ls /a", 5, lineDone},
		{"newline ends too", "ls\n", "ls", 2, lineDone},
		{"backspace", "lx" + bs + "s", "ls", 2, editing},
		{"ctrl-h", "lx\x08s", "ls", 2, editing},
		{"backspace at start", home + bs + "x", "x", 1, editing},
		{"left insert", "ac" + left + "b", "abc", 2, editing},
		{"right", "abc" + left + left + right + "X", "abXc", 3, editing},
		{"right at end", "ab" + right + right + "c", "abc", 3, editing},
		{"left at start", left + left + "a", "a", 1, editing},
		{"home end", "bc" + home + "a" + end + "d", "abcd", 4, editing},
		{"home end tilde", "bc" + home2 + "a" + end2 + "d", "abcd", 4, editing},
		{"home SS3", "bc" + homeO + "a", "abc", 1, editing},
		{"ctrl-a ctrl-e", "bc\x01a\x05d", "abcd", 4, editing},
		{"delete", "abc" + home + del, "bc", 0, editing},
		{"delete at end", "abc" + del, "abc", 3, editing},
		{"ctrl-d deletes on a non-empty line", "abc\x01\x04", "bc", 0, editing},
		{"ctrl-u", "get /x" + left + left + "\x15", "/x", 0, editing},
		{"ctrl-k", "get /x" + left + left + "\x0b", "get ", 4, editing},
		{"ctrl-w", "get /a/b  \x17", "get ", 4, editing},
		{"ctrl-w mid", "get /a/b" + left + left + "\x17", "get /b", 4, editing},
		{"utf-8", "set /x h\xc3\xa9" + left + "y", "set /x hyé", 9, editing},
		{"unknown escape ignored", "a\x1b[99Zb", "ab", 2, editing},
		{"alt key ignored", "a\x1bxb", "ab", 2, editing},
		{"control ignored", "a\x07b", "ab", 2, editing},
		{"ctrl-c", "abc\x03", "abc", 3, lineAbort},
		{"ctrl-d empty", "\x04", "", 0, inputEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line, pos, res := edit(t, &lineEditor{}, tc.input)
			if line != tc.line || pos != tc.pos || res != tc.res {
				t.Errorf("%q: line %q pos %d result %d; want %q %d %d", tc.input, line, pos, res, tc.line, tc.pos, tc.res)
			}
		})
	}
}

func TestLineEditorHistory(t *testing.T) {
	const up, down = "\x1b[A", "\x1b[B"
	ed := &lineEditor{}
	for _, l := range []string{"ls /", "get /a", "get /a", "  "} {
		ed.addHistory(l)
	}
	if len(ed.history) != 2 {
		t.Fatalf("history %q: want blanks and repeats dropped", ed.history)
	}
	for _, tc := range []struct{ input, line string }{
		{up, "get /a"},
		{up + up, "ls /"},
		{up + up + up, "ls /"}, // stays at the oldest
		{up + down, ""},
		{"dra" + up + up + down + down, "dra"}, // the draft comes back
		{down, ""},
		{up + "\x7fb", "get /b"}, // a recalled line can be edited
	} {
		line, _, _ := edit(t, ed, tc.input)
		if line != tc.line {
			t.Errorf("%q: line %q, want %q", tc.input, line, tc.line)
		}
	}
	// Editing a recalled line does not change the history.
	if ed.history[1] != "get /a" {
		t.Errorf("history changed: %q", ed.history)
	}
}

func TestLineEditorTab(t *testing.T) {
	tree := map[string][]string{
		"/":     {"apps", "apple", "zookeeper"},
		"/apps": {"one"},
	}
	ed := &lineEditor{complete: completeWord(func(p string) ([]string, error) {
		if kids, ok := tree[p]; ok {
			return kids, nil
		}
		return nil, errors.New("no node")
	})}
	for _, tc := range []struct{ input, line string }{
		{"cre\t", "create "},
		{"CRE\t", "create "},
		{"ge\t", "get"}, // get, getAcl, getAllChildrenNumber...: the common prefix
		{"get /z\t", "get /zookeeper"},
		{"get /ap\t", "get /app"},
		{"get /apps/\t", "get /apps/one"},
		{"get /nope/\t", "get /nope/"},
		{"get x\t", "get x"},
		{"get /zo\t -s", "get /zookeeper -s"},
		{"get /zo -s" + "\x1b[D\x1b[D\x1b[D\t", "get /zookeeper -s"}, // completes at the cursor
	} {
		line, _, _ := edit(t, ed, tc.input)
		if line != tc.line {
			t.Errorf("%q: line %q, want %q", tc.input, line, tc.line)
		}
	}
	// A second Tab lists the candidates' names.
	ed.out.Reset()
	edit(t, ed, "get /ap\t\t")
	if out := ed.out.String(); !strings.Contains(out, "\napple  apps\n\r\x1b[J> get /app") {
		t.Errorf("second Tab wrote %q; want the list, then the prompt", out)
	}
	ed.out.Reset()
	edit(t, ed, "get /ap\t")
	if strings.Contains(ed.out.String(), "apple  apps") {
		t.Errorf("one Tab listed: %q", ed.out.String())
	}
}

// screen is a minimal terminal of width columns: enough of VT100 to check
// what the editor draws (\r, \n, ESC[nA/B/C, ESC[J, ESC[K, deferred wrap).
type screen struct {
	width    int
	rows     [][]rune
	row, col int
	wrapNext bool // the cursor sits on the last column of a full row
}

func (sc *screen) line(r int) string {
	for len(sc.rows) <= r {
		sc.rows = append(sc.rows, nil)
	}
	return strings.TrimRight(string(sc.rows[r]), " ")
}

func (sc *screen) write(t *testing.T, out string) {
	t.Helper()
	rs := []rune(out)
	for i := 0; i < len(rs); i++ {
		sc.line(sc.row)
		switch r := rs[i]; {
		case r == '\r':
			sc.col, sc.wrapNext = 0, false
		case r == '\n': // output processing: newline returns the carriage
			sc.row, sc.col, sc.wrapNext = sc.row+1, 0, false
		case r == 0x1b:
			j := i + 2
			n := 0
			for ; rs[j] >= '0' && rs[j] <= '9'; j++ {
				n = n*10 + int(rs[j]-'0')
			}
			if n == 0 {
				n = 1
			}
			switch rs[j] {
			case 'A':
				sc.row -= n
			case 'B':
				sc.row += n
			case 'C':
				sc.col = min(sc.col+n, sc.width-1)
			case 'K':
				sc.rows[sc.row] = sc.rows[sc.row][:min(sc.col, len(sc.rows[sc.row]))]
			case 'J':
				sc.rows[sc.row] = sc.rows[sc.row][:min(sc.col, len(sc.rows[sc.row]))]
				sc.rows = sc.rows[:sc.row+1]
			default:
				t.Fatalf("unknown escape %q", string(rs[i:j+1]))
			}
			if sc.row < 0 {
				t.Fatalf("cursor moved above the screen: %q", out)
			}
			sc.wrapNext = false
			i = j
		default:
			if sc.wrapNext {
				sc.row, sc.col, sc.wrapNext = sc.row+1, 0, false
				sc.line(sc.row)
			}
			for len(sc.rows[sc.row]) <= sc.col {
				sc.rows[sc.row] = append(sc.rows[sc.row], ' ')
			}
			sc.rows[sc.row][sc.col] = r
			if sc.col == sc.width-1 {
				sc.wrapNext = true
			} else {
				sc.col++
			}
		}
	}
}

// TestLineEditorWraps: a line longer than the terminal is redrawn in
// place, over as many rows as it takes, the cursor where it belongs.
func TestLineEditorWraps(t *testing.T) {
	for _, tc := range []struct {
		input string
		rows  []string
		row   int
		col   int
	}{
		{"abcdefgh", []string{"> abcdefgh"}, 1, 0}, // exactly full: the cursor goes to the next row
		{"abcdefghijklm", []string{"> abcdefgh", "ijklm"}, 1, 5},
		{"abcdefghijklm\x01X", []string{"> Xabcdefg", "hijklm"}, 0, 3},
		{"abcdefghijklm\x01X\x05\x7f\x7f\x7f\x7f\x7f\x7f", []string{"> Xabcdefg"}, 1, 0},
		{"abcdefghijklmnopqrstu\x01\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C", []string{"> abcdefgh", "ijklmnopqr", "stu"}, 1, 1},
		{"abcdefghijklm\x15", []string{">"}, 0, 2},
	} {
		ed := &lineEditor{width: 10}
		sc := &screen{width: 10}
		var dec keyDecoder
		ed.start("> ")
		for i := 0; i < len(tc.input); i++ {
			ed.press(dec.feed(tc.input[i]))
		}
		sc.write(t, ed.out.String())
		var rows []string
		for r := range sc.rows {
			rows = append(rows, sc.line(r))
		}
		for len(rows) > 0 && rows[len(rows)-1] == "" {
			rows = rows[:len(rows)-1]
		}
		if strings.Join(rows, "|") != strings.Join(tc.rows, "|") || sc.row != tc.row || sc.col != tc.col {
			t.Errorf("%q: screen %q, cursor %d,%d; want %q, %d,%d", tc.input, rows, sc.row, sc.col, tc.rows, tc.row, tc.col)
		}
	}
}
