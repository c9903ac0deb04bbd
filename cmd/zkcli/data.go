package main

import (
	"io"
	"os"
	"strings"
)

// maxData bounds data read from a file or stdin: the server's default
// packet limit (jute.maxbuffer, 1 MiB) bounds a node's data anyway.
const maxData = 1 << 20

// dataArg returns the data an argument stands for: "@file" is the file's
// contents, "-" is stdin (one-shot mode only: the shell reads its commands
// from stdin), "@@text" is the literal "@text", anything else itself. So
// binary or multi-line data needs no shell quoting. The file is read now,
// before anything is sent.
func (in *invocation) dataArg(arg string) ([]byte, error) {
	switch {
	case strings.HasPrefix(arg, "@@"):
		return []byte(arg[1:]), nil
	case strings.HasPrefix(arg, "@"):
		name := arg[1:]
		if name == "" {
			return nil, in.usagef("@ needs a file name (@@ for a literal @)")
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, in.usagef("data %s: %v", arg, err)
		}
		defer f.Close()
		return in.readData(f, arg)
	case arg == "-":
		if in.stdin == nil {
			return nil, in.usagef("data - (stdin) works only for a command given on zkcli's command line: in the shell stdin holds the commands; use @file")
		}
		return in.readData(in.stdin, "- (stdin)")
	}
	return []byte(arg), nil
}

// readData reads all of r, up to maxData.
func (in *invocation) readData(r io.Reader, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxData+1))
	if err != nil {
		return nil, in.usagef("data %s: %v", what, err)
	}
	if len(data) > maxData {
		return nil, in.usagef("data %s: more than %d bytes, the server's default limit for a node (jute.maxbuffer)", what, maxData)
	}
	return data, nil
}
