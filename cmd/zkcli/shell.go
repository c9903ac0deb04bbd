package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/zkwire/zk"
)

// maxLine bounds one input line (data included): the server's default
// packet limit.
const maxLine = 1 << 20

// runShell connects and runs commands read from stdin, one per line,
// until quit, end of input, Ctrl-C at the prompt (Ctrl-D with the line
// editor, where Ctrl-C drops the line being typed) or SIGTERM. Ctrl-C while
// a command runs stops that command only (that is how a watch ends). The
// exit status is 1 if any command failed, so scripts piped in can check
// it.
func runShell(cfg *config, sys stdio) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	c, err := connect(ctx, cfg, true, sys.err)
	if err != nil {
		fmt.Fprintln(sys.err, err)
		return exitFail
	}
	s := &session{cfg: cfg, c: c, out: sys.out, errOut: sys.err, outTerminal: sys.outTerminal}
	defer func() {
		c.Close() // ends every watch, so their printers return
		s.bg.Wait()
	}()
	// Session changes (disconnects, a new session after expiry) explain
	// why commands fail or ephemerals vanish.
	defer reportSessionEvents(ctx, c, sys.err)()

	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	defer signal.Stop(interrupts)

	// A terminal on both sides gets the line editor; anything else
	// (scripts, pipes) the plain line reader.
	term := newTermInput(sys, s.nodeChildren(ctx))
	var lines <-chan string
	if term == nil {
		var done chan<- struct{}
		lines, done = readLines(sys.in, sys.err)
		defer close(done)
	}
	status := exitOK
	for n := 1; ; n++ {
		prompt := ""
		if sys.inTerminal {
			server := c.Server()
			if server == "" {
				server = strings.Join(cfg.servers, ",")
			}
			prompt = fmt.Sprintf("[zk: %s(%s) %d] ", server, c.State(), n)
		}
		var line string
		if term != nil {
			l, aborted, ok := term.readLine(ctx, prompt, interrupts)
			if !ok {
				return status
			}
			if aborted { // Ctrl-C drops the line; same number again
				n--
				continue
			}
			line = l
		} else {
			fmt.Fprint(sys.out, prompt)
			select {
			case l, ok := <-lines:
				if !ok {
					if sys.inTerminal {
						fmt.Fprintln(sys.out)
					}
					return status
				}
				line = l
			case <-interrupts:
				fmt.Fprintln(sys.out)
				return status
			case <-ctx.Done():
				return status
			}
		}
		args, err := splitLine(line)
		if err != nil {
			fmt.Fprintln(sys.err, err)
			status = exitFail
			continue
		}
		if len(args) == 0 {
			continue
		}
		if a := strings.ToLower(args[0]); a == "quit" || a == "exit" {
			return status
		}
		cmd, err := parseCommand(args, nil)
		interrupted := false
		if err == nil {
			interrupted, err = s.runInterruptible(ctx, cmd, interrupts)
		}
		if interrupted && sys.inTerminal {
			// The terminal echoed ^C without a newline: the next prompt
			// gets a line of its own.
			fmt.Fprintln(sys.out)
		}
		if s.report(err) != exitOK {
			status = exitFail
		}
	}
}

// reportSessionEvents prints session changes on errOut ("session:
// Disconnected") until the returned stop is called.
func reportSessionEvents(ctx context.Context, c *zk.Client, errOut io.Writer) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	// Subscribed before returning: a change right after (a drop while the
	// command starts) is not missed.
	events := c.SessionEvents(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-events // the state now: only changes are reported
		for ev := range events {
			if ev.NewSession {
				fmt.Fprintf(errOut, "session: %s, new session 0x%x (the old one's ephemeral nodes and watches are gone)\n", ev.State, uint64(ev.SessionID))
			} else {
				fmt.Fprintf(errOut, "session: %s\n", ev.State)
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

// runInterruptible runs cmd, cancelling it on the next interrupt; it
// says whether an interrupt came.
func (s *session) runInterruptible(ctx context.Context, cmd command, interrupts <-chan os.Signal) (interrupted bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	finished := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-interrupts:
			interrupted = true
			cancel()
		case <-finished:
		}
	}()
	err = s.execute(ctx, cmd)
	close(finished)
	wg.Wait()
	if cmd.endless && interrupted && errors.Is(err, context.Canceled) {
		return true, nil // Ctrl-C is how an endless command ends
	}
	return interrupted, err
}

// readLines delivers stdin's lines on a channel, so the shell can wait
// for a line and a signal at once; closing done stops it. A read already
// blocked on stdin cannot be interrupted, so it may outlive the shell by
// the time the process takes to exit.
func readLines(r io.Reader, errOut io.Writer) (<-chan string, chan<- struct{}) {
	lines := make(chan string)
	done := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), maxLine)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
		if err := sc.Err(); err != nil {
			fmt.Fprintln(errOut, "zkcli: reading commands:", err)
		}
	}()
	return lines, done
}

// splitLine splits a shell line into words: blanks separate them, '...'
// quotes literally, "..." quotes with \" and \\ escapes, and a backslash
// outside quotes escapes the next character. A line starting with # is a
// comment.
func splitLine(line string) ([]string, error) {
	if strings.HasPrefix(strings.TrimSpace(line), "#") {
		return nil, nil
	}
	var (
		words []string
		cur   strings.Builder
		inTok bool
	)
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\r':
			if inTok {
				words = append(words, cur.String())
				cur.Reset()
				inTok = false
			}
		case ch == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated ' quote")
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
			inTok = true
		case ch == '"':
			closed := false
			for i++; i < len(line); i++ {
				if line[i] == '\\' && i+1 < len(line) && (line[i+1] == '"' || line[i+1] == '\\') {
					i++
				} else if line[i] == '"' {
					closed = true
					break
				}
				cur.WriteByte(line[i])
			}
			if !closed {
				return nil, errors.New("unterminated \" quote")
			}
			inTok = true
		case ch == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			inTok = true
		default:
			cur.WriteByte(ch)
			inTok = true
		}
	}
	if inTok {
		words = append(words, cur.String())
	}
	return words, nil
}
