package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/zkwire/zk"
)

// watchable turns a read that can set a one-shot watch (-w) into an
// action. read reports the watch it set (nil without -w). In the shell
// the watch's event prints when it fires, zkCli style, while the shell
// goes on; a one-shot zkcli, whose session ends when it exits, waits for
// the event instead (no -cmd-timeout; Ctrl-C stops it).
func (in *invocation) watchable(read func(ctx context.Context, s *session, watch bool) (*zk.Watch, error)) action {
	if !in.has('w') {
		return func(ctx context.Context, s *session) error { _, err := read(ctx, s, false); return err }
	}
	oneShot := in.oneShot()
	in.endless = oneShot
	return func(ctx context.Context, s *session) error {
		if !oneShot {
			w, err := read(ctx, s, true)
			if w != nil {
				s.printEvents(w)
			}
			return err
		}
		rctx, cancel := context.WithTimeout(ctx, s.cfg.cmdTimeout)
		defer cancel()
		w, err := read(rctx, s, true)
		if w == nil || err != nil {
			if w != nil {
				w.Stop()
			}
			return err
		}
		defer w.Stop()
		fmt.Fprintf(s.errOut, "waiting for the watch on %s to fire; Ctrl-C to stop\n", w.Path())
		select {
		case ev, ok := <-w.Events():
			switch {
			case !ok:
				return fmt.Errorf("watch on %s ended", w.Path())
			case ev.Err != nil:
				return fmt.Errorf("watch on %s ended: %s", w.Path(), trimZK(ev.Err.Error()))
			}
			s.printEvent(ev)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// printEvents prints w's events as they come, in the background, until
// it ends (it fired, was removed, or the client closed).
func (s *session) printEvents(w *zk.Watch) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		for ev := range w.Events() {
			switch {
			case ev.Err != nil && errors.Is(ev.Err, zk.ErrWatchRemoved):
				s.printEvent(ev) // the removal is news: *WatchRemoved
			case ev.Err != nil:
				if !errors.Is(ev.Err, zk.ErrClosed) {
					fmt.Fprintf(s.errOut, "watch on %s ended: %s\n", w.Path(), trimZK(ev.Err.Error()))
				}
			case ev.Resync:
				fmt.Fprintf(s.errOut, "watch on %s: reconnected; changes made while disconnected were not reported\n", w.Path())
			case ev.Type != zk.EventNone:
				s.printEvent(ev)
			}
		}
	}()
}

// printEvent prints a watch event as zkCli does.
func (s *session) printEvent(ev zk.Event) {
	state := "SyncConnected" // zkCli's name for the connected state
	if ev.State != zk.StateConnected {
		state = ev.State.String()
	}
	fmt.Fprintf(s.out, "WatchedEvent state:%s type:%s path:%s\n", state, ev.Type, ev.Path)
}
