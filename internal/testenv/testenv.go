// Package testenv holds the helpers that the tests of many packages share:
// a fresh node path per test, contexts that end with the test, clients
// closed with the test, and polling for a condition.
package testenv

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

var seq atomic.Int64

// Path returns a fresh node path for one test: prefix (like "/locks", or
// "" for the root) + the test's name + a number.
func Path(t testing.TB, prefix string) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return fmt.Sprintf("%s/%s-%d", prefix, name, seq.Add(1))
}

// Ctx returns a context that ends after d or with the test.
func Ctx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// Connect opens a client to addr with an 8 s session timeout (opts come
// after it, so they may change it) and closes it after the test.
func Connect(t testing.TB, addr string, opts ...zk.Option) *zk.Client {
	t.Helper()
	return ConnectTo(t, []string{addr}, opts...)
}

// ConnectTo is Connect with several servers.
func ConnectTo(t testing.TB, addrs []string, opts ...zk.Option) *zk.Client {
	t.Helper()
	opts = append([]zk.Option{zk.WithSessionTimeout(8 * time.Second)}, opts...)
	c, err := zk.Connect(Ctx(t, 60*time.Second), addrs, opts...)
	if err != nil {
		t.Fatalf("connect %v: %v", addrs, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Eventually polls f until it returns nil, and fails the test with f's
// last error if that takes longer than within.
func Eventually(t testing.TB, within time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %v", within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Proxy starts a fault proxy in front of target and closes it after the
// test.
func Proxy(t testing.TB, target string) *zktest.Proxy {
	t.Helper()
	px, err := zktest.NewProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { px.Close() })
	return px
}

// CutEvery cuts px's connections every d until the returned stop is
// called (stop waits for the cutting goroutine; calling it twice is fine).
func CutEvery(px *zktest.Proxy, d time.Duration) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				px.Cut()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
}
