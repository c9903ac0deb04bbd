package zk_test

import (
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// Close returns within its own bound whatever a state listener does: one
// that never returns is left behind, not waited for.
func TestCloseWithBlockedStateListener(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // before the package's leak check
	entered := make(chan struct{}, 1)
	c := connect(t, zk.WithStateListener(func(zk.State) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
	}))
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the listener was never called")
	}
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(15 * time.Second):
		t.Fatal("Close did not return within 15s while a state listener blocked")
	}
	if st := c.State(); st != zk.StateClosed {
		t.Fatalf("state after Close: %v", st)
	}
}
