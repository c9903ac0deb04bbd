package mailbox

import (
	"os"
	"testing"
	"time"

	"github.com/zkwire/zk/internal/leakcheck"
)

func TestMain(m *testing.M) { os.Exit(leakcheck.Main(m)) }

func TestOrderAndDrainAfterClose(t *testing.T) {
	m := New[int]()
	for i := range 100 {
		if !m.Put(i) {
			t.Fatalf("Put %d refused on an open mailbox", i)
		}
	}
	m.Close()
	if m.Put(100) {
		t.Fatal("Put accepted after Close")
	}
	for i := range 100 {
		v, ok := m.Get(nil)
		if !ok || v != i {
			t.Fatalf("Get = %d, %v; want %d, true", v, ok, i)
		}
	}
	if _, ok := m.Get(nil); ok {
		t.Fatal("Get after the last item of a closed mailbox reported an item")
	}
}

func TestGetWaitsAndStops(t *testing.T) {
	m := New[string]()
	got := make(chan string)
	go func() {
		v, _ := m.Get(nil)
		got <- v
	}()
	select {
	case v := <-got:
		t.Fatalf("Get returned %q from an empty mailbox", v)
	case <-time.After(50 * time.Millisecond):
	}
	m.Put("x")
	if v := <-got; v != "x" {
		t.Fatalf("Get = %q, want x", v)
	}
	stop := make(chan struct{})
	close(stop)
	if _, ok := m.Get(stop); ok {
		t.Fatal("Get on an empty mailbox with a closed stop reported an item")
	}
}
