package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// helpColumn is where the summaries start in the command list; a longer
// syntax puts its summary on the next line.
const helpColumn = 36

// printHelp lists the commands with their syntax.
func printHelp(w io.Writer) {
	line := func(syntax, summary string) {
		if len(syntax) > helpColumn-3 {
			fmt.Fprintf(w, "  %s\n  %-*s %s\n", syntax, helpColumn-3, "", summary)
			return
		}
		fmt.Fprintf(w, "  %-*s %s\n", helpColumn-3, syntax, summary)
	}
	for _, v := range verbs {
		line(strings.TrimSpace(v.name+" "+v.args), v.summary)
	}
	line("quit", "leave the shell (also exit, or end of input)")
}

// printVerbHelp is help VERB (and VERB -h): syntax, what it does, an
// example.
func printVerbHelp(w io.Writer, v *verb) {
	fmt.Fprintf(w, "usage: %s\n\n%s.\n", strings.TrimSpace(v.name+" "+v.args), upperFirst(v.summary))
	if v.detail != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(v.detail))
	}
	if v.example != "" {
		fmt.Fprintf(w, "\nexample:\n")
		for _, ex := range strings.Split(v.example, "\n") {
			fmt.Fprintf(w, "  zkcli %s\n", ex)
		}
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// prepareHelp: help lists the commands; help VERB explains one.
func prepareHelp(in *invocation) (action, error) {
	if len(in.args) == 0 {
		return func(_ context.Context, s *session) error { printHelp(s.out); return nil }, nil
	}
	name := strings.ToLower(in.args[0])
	if name == "quit" || name == "exit" {
		return func(_ context.Context, s *session) error {
			fmt.Fprintln(s.out, "usage: quit\n\nLeave the shell (also exit, Ctrl-C at the prompt, or end of input).")
			return nil
		}, nil
	}
	v := verbByName[name]
	if v == nil {
		return nil, in.usagef("unknown command %q; help lists them", in.args[0])
	}
	return func(_ context.Context, s *session) error { printVerbHelp(s.out, v); return nil }, nil
}
