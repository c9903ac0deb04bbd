package main

import (
	"errors"
	"strings"
	"testing"
)

func TestSplitLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"# a comment", nil},
		{"ls /", []string{"ls", "/"}},
		{"  set\t/a   b  ", []string{"set", "/a", "b"}},
		{`set /a "hello world"`, []string{"set", "/a", "hello world"}},
		{`set /a 'it''s'`, []string{"set", "/a", "its"}},
		{`set /a "say \"hi\" \\ \n"`, []string{"set", "/a", `say "hi" \ \n`}},
		{`set /a 'a "b" c'`, []string{"set", "/a", `a "b" c`}},
		{`set /a ""`, []string{"set", "/a", ""}},
		{`set /a x\ y`, []string{"set", "/a", "x y"}},
		{`set /a pre"mid dle"post`, []string{"set", "/a", "premid dlepost"}},
	} {
		got, err := splitLine(tc.in)
		if err != nil {
			t.Errorf("splitLine(%q): %v", tc.in, err)
			continue
		}
		if d := diffOf(tc.want, got); d != "" {
			t.Errorf("splitLine(%q) (-want +got):\n%s", tc.in, d)
		}
	}
	for _, in := range []string{`set /a "open`, `set /a 'open`, `"`} {
		if _, err := splitLine(in); err == nil {
			t.Errorf("splitLine(%q) succeeded, want an unterminated-quote error", in)
		}
	}
}

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		opts map[byte]string
		rest []string
	}{
		{[]string{"ls", "/"}, map[byte]string{}, []string{"/"}},
		{[]string{"LS", "-R", "/"}, map[byte]string{'R': ""}, []string{"/"}},
		{[]string{"create", "-es", "/a", "d"}, map[byte]string{'e': "", 's': ""}, []string{"/a", "d"}},
		{[]string{"create", "/a", "-t", "500", "d"}, map[byte]string{'t': "500"}, []string{"/a", "d"}},
		{[]string{"set", "-v3", "/a", "-1"}, map[byte]string{'v': "3"}, []string{"/a", "-1"}},
		{[]string{"set", "/a", "--", "-s"}, map[byte]string{}, []string{"/a", "-s"}},
		{[]string{"getacl", "-s", "/a"}, map[byte]string{'s': ""}, []string{"/a"}},
	} {
		cmd, err := parseCommand(tc.args, nil)
		if err != nil {
			t.Errorf("parseCommand(%q): %v", tc.args, err)
			continue
		}
		if cmd.verb == nil || cmd.act == nil {
			t.Errorf("parseCommand(%q): no verb or action", tc.args)
		}
		// Re-split to see the options the verb received.
		in := splitForTest(t, tc.args)
		if d := diffOf(tc.opts, in.opts); d != "" {
			t.Errorf("parseCommand(%q) options (-want +got):\n%s", tc.args, d)
		}
		if d := diffOf(tc.rest, in.args); d != "" {
			t.Errorf("parseCommand(%q) args (-want +got):\n%s", tc.args, d)
		}
	}
}

// splitForTest captures the invocation a verb's prepare receives.
func splitForTest(t *testing.T, args []string) *invocation {
	t.Helper()
	v := verbByName[strings.ToLower(args[0])]
	var got *invocation
	orig := v.prepare
	v.prepare = func(in *invocation) (action, error) { got = in; return orig(in) }
	defer func() { v.prepare = orig }()
	if _, err := parseCommand(args, nil); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestParseCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"ls", "-x", "/"}, "unknown option -x"},
		{[]string{"ls", "a"}, "must start with /"},
		{[]string{"ls", "/a/"}, "must not end with /"},
		{[]string{"ls", "/", "/b"}, "too many arguments"},
		{[]string{"get"}, "missing argument"},
		{[]string{"set", "/a"}, "missing argument"},
		{[]string{"set", "-v", "x", "/a", "d"}, `-v "x" is not a version number`},
		{[]string{"set", "/a", "d", "-v"}, "option -v needs a value"},
		{[]string{"create", "-c", "-e", "/a"}, "-c cannot be combined"},
		{[]string{"create", "-e", "-t", "10", "/a"}, "-t cannot be combined with -e"},
		{[]string{"create", "-c", "-t", "10", "/a"}, "-t cannot be combined with -c"},
		{[]string{"create", "-t", "soon", "/a"}, "want milliseconds or a duration"},
		{[]string{"create", "-t", "0", "/a"}, "at least 1ms"},
		{[]string{"create", "/a", "d", "world:anyone:x"}, "unknown permission 'x'"},
		{[]string{"setAcl", "/a", "world:anyone"}, "does not have the form"},
		{[]string{"setAcl", "-R", "-v", "1", "/a", "world:anyone:r"}, "-v cannot be combined with -R"},
		{[]string{"deleteall", "/"}, "refusing to delete the root"},
		{[]string{"ls", "-s", "-R", "/"}, "-s and -R cannot be combined"},
		{[]string{"getEphemerals", "app"}, "must start with /"},
		{[]string{"watch"}, "missing argument"},
		{[]string{"addauth", ""}, "empty scheme"},
	} {
		_, err := parseCommand(tc.args, nil)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("parseCommand(%q) = %v, want a usage error containing %q", tc.args, err, tc.msg)
		}
	}
}

func TestParseTTL(t *testing.T) {
	for in, want := range map[string]string{"500": "500ms", "90s": "1m30s", "1h": "1h0m0s"} {
		d, err := parseTTL(in)
		if err != nil || d.String() != want {
			t.Errorf("parseTTL(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
}
