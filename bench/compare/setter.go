package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkwire/zk/bench"
)

// The watch-fire setter runs in its own process, so that the trial
// process's CPU, allocations and context switches are the watching
// client's alone: the second session's setData calls are not in them.
//
// Its protocol, on the child's stdin and stdout: the parent writes the
// paths, one a line, then an empty line; the child connects (this
// module's client for both contenders) and answers "ready"; the parent
// starts measuring and writes "go"; the child sets every path, conc in
// flight, and writes, one a line in path order, when it sent each
// setData (Unix nanoseconds), then exits.

// processSetter is the bench.Setter that runs self -setter.
func processSetter(self, servers string) bench.Setter {
	return func(ctx context.Context, paths []string, conc int, ready func()) ([]time.Time, error) {
		cmd := exec.CommandContext(ctx, self, "-setter", "-servers", servers, "-conc", strconv.Itoa(conc))
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		sent, err := driveSetter(in, bufio.NewReader(out), paths, ready)
		in.Close()
		if werr := cmd.Wait(); err == nil && werr != nil {
			err = fmt.Errorf("setter: %w", werr)
		}
		return sent, err
	}
}

// driveSetter is the parent's side of the protocol.
func driveSetter(in io.Writer, out *bufio.Reader, paths []string, ready func()) ([]time.Time, error) {
	w := bufio.NewWriter(in)
	for _, p := range paths {
		w.WriteString(p)
		w.WriteByte('\n')
	}
	w.WriteByte('\n')
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("setter: %w", err)
	}
	if line, err := out.ReadString('\n'); err != nil || line != "ready\n" {
		return nil, fmt.Errorf("setter: not ready: %q, %v", line, err)
	}
	ready()
	if _, err := io.WriteString(in, "go\n"); err != nil {
		return nil, fmt.Errorf("setter: %w", err)
	}
	sent := make([]time.Time, 0, len(paths))
	for range paths {
		line, err := out.ReadString('\n')
		if err != nil {
			return sent, fmt.Errorf("setter: %d of %d send times: %w", len(sent), len(paths), err)
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
		if err != nil {
			return sent, fmt.Errorf("setter: %w", err)
		}
		sent = append(sent, time.Unix(0, ns))
	}
	return sent, nil
}

// setter is the child's side: compare -setter -servers ... -conc N.
func setter(args []string) error {
	fs := flag.NewFlagSet("setter", flag.ContinueOnError)
	servers := fs.String("servers", "", "")
	conc := fs.Int("conc", 64, "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *conc < 1 {
		return errors.New("-conc must be at least 1")
	}
	in := bufio.NewReader(os.Stdin)
	var paths []string
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return fmt.Errorf("reading paths: %w", err)
		}
		if line == "\n" {
			break
		}
		paths = append(paths, strings.TrimSuffix(line, "\n"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := bench.ZK(ctx, strings.Split(*servers, ","))
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Println("ready")
	if line, err := in.ReadString('\n'); err != nil || line != "go\n" {
		return fmt.Errorf("no go: %q, %v", line, err)
	}
	sent := make([]int64, len(paths))
	val := []byte("changed")
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		first atomic.Pointer[error]
	)
	for range min(*conc, len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					return
				}
				sent[i] = time.Now().UnixNano()
				if err := c.Set(ctx, paths[i], val); err != nil {
					first.CompareAndSwap(nil, &err)
				}
			}
		}()
	}
	wg.Wait()
	if err := first.Load(); err != nil {
		return *err
	}
	w := bufio.NewWriter(os.Stdout)
	for _, ns := range sent {
		w.WriteString(strconv.FormatInt(ns, 10))
		w.WriteByte('\n')
	}
	return w.Flush()
}
