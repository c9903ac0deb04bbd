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
	if out := ed.out.String(); !strings.Contains(out, "\napple  apps\n> ") {
		t.Errorf("second Tab wrote %q; want the list, then the prompt", out)
	}
	ed.out.Reset()
	edit(t, ed, "get /ap\t")
	if strings.Contains(ed.out.String(), "apple  apps") {
		t.Errorf("one Tab listed: %q", ed.out.String())
	}
}
