package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/recipes/queue"
)

type item struct{ producer, index int }

func parseItem(t *testing.T, data []byte) item {
	var it item
	if _, err := fmt.Sscanf(string(data), "%d/%d", &it.producer, &it.index); err != nil {
		t.Errorf("item %q: %v", data, err)
	}
	return it
}

// runQueue puts total items from producers and takes them with consumers,
// each on its own client from dial, and checks that every item is taken
// exactly once and that each consumer sees each producer's items in order.
func runQueue(t *testing.T, dial func() *zk.Client, producers, consumers, total int) {
	ctx := ctxFor(t, 4*time.Minute)
	dir := testPath(t) + "/q"
	var wg sync.WaitGroup
	errs := make(chan error, producers+consumers)
	for p := range producers {
		q, err := queue.New(dial(), dir)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := p; i < total; i += producers {
				if err := q.Put(ctx, fmt.Appendf(nil, "%d/%d", p, i)); err != nil {
					errs <- fmt.Errorf("put %d/%d: %w", p, i, err)
					return
				}
			}
		}()
	}
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	var taken atomic.Int32
	got := make([][]item, consumers)
	for k := range consumers {
		q, _ := queue.New(dial(), dir)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				data, err := q.Take(cctx)
				if err != nil {
					if cctx.Err() == nil {
						errs <- fmt.Errorf("take: %w", err)
					}
					return
				}
				got[k] = append(got[k], parseItem(t, data))
				if taken.Add(1) == int32(total) {
					stop()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := make(map[item]int)
	for k, items := range got {
		last := make(map[int]int)
		for _, it := range items {
			seen[it]++
			if prev, ok := last[it.producer]; ok && it.index <= prev {
				t.Errorf("consumer %d took %d/%d after %d/%d", k, it.producer, it.index, it.producer, prev)
			}
			last[it.producer] = it.index
		}
	}
	for it, n := range seen {
		if n != 1 {
			t.Errorf("item %v taken %d times", it, n)
		}
	}
	if len(seen) != total {
		t.Errorf("%d distinct items taken, want %d", len(seen), total)
	}
	q, _ := queue.New(dial(), dir)
	if _, err := q.Poll(ctx); !errors.Is(err, queue.ErrEmpty) {
		t.Errorf("Poll after the run = %v, want ErrEmpty", err)
	}
}

func TestQueueProducersConsumers(t *testing.T) {
	runQueue(t, func() *zk.Client { return connect(t, "") }, 3, 4, 500)
}

// TestQueueAcrossCuts runs producers and consumers through a proxy that
// keeps cutting their connections: lost replies of Put and Take must not
// duplicate or lose items.
func TestQueueAcrossCuts(t *testing.T) {
	px := testenv.Proxy(t, srv.Addr())
	stopCuts := testenv.CutEvery(px, 40*time.Millisecond)
	runQueue(t, func() *zk.Client { return connect(t, px.Addr()) }, 2, 3, 150)
	stopCuts()
}

func TestQueuePollAndOrder(t *testing.T) {
	c := connect(t, "")
	ctx := ctxFor(t, 30*time.Second)
	q, err := queue.New(c, testPath(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Poll(ctx); !errors.Is(err, queue.ErrEmpty) {
		t.Fatalf("Poll on a missing queue = %v, want ErrEmpty", err)
	}
	for i := range 5 {
		if err := q.Put(ctx, fmt.Append(nil, i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		data, err := q.Poll(ctx)
		if err != nil || string(data) != fmt.Sprint(i) {
			t.Fatalf("Poll %d = %q, %v", i, data, err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := q.Take(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Take on an empty queue = %v, want DeadlineExceeded", err)
	}
	for _, p := range []string{"", "/", "rel", "/a/"} {
		if _, err := queue.New(c, p); err == nil {
			t.Errorf("New(%q) succeeded", p)
		}
	}
}
