package leakcheck

import (
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	before := Snapshot()
	release := make(chan struct{})
	done := make(chan struct{})
	go leakyWorker(release, done)
	err := Check(before, 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "leakcheck.leakyWorker") {
		t.Fatalf("a blocked goroutine was not reported: %v", err)
	}
	// A goroutine that ends within the grace period is not a leak.
	time.AfterFunc(100*time.Millisecond, func() { close(release) })
	if err := Check(before, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	<-done
	// Goroutines that were there before are not leaks, wherever they
	// are blocked now.
	release2 := make(chan struct{})
	done2 := make(chan struct{})
	go leakyWorker(release2, done2)
	mid := Snapshot()
	if err := Check(mid, 0); err != nil {
		t.Fatal(err)
	}
	close(release2)
	<-done2
}

func leakyWorker(release, done chan struct{}) {
	defer close(done)
	<-release
}
