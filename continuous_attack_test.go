package zk_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// The continuous-watch stress tests: a WatchData / WatchChildren behind a
// proxy cut every 50–300 ms, its session expired now and then (the client
// builds a new one, the watch resumes), while four writers create, set,
// delete and re-create the node (plainly, conditionally and in Multi).
// When the writers and faults stop, the watch's latest update must equal
// the server's state within 10 s. Each round is bounded; a run takes
// about 25 s per test.

const (
	contRounds    = 4
	contRoundTime = 5 * time.Second
	contSettle    = 10 * time.Second
)

// contFaults cuts px at random 50–300 ms intervals and expires c's session
// about every 1.5 s until stop closes.
func contFaults(t *testing.T, px *zktest.Proxy, c *zk.Client, stop <-chan struct{}, wg *sync.WaitGroup) {
	var cuts, expiries int
	wg.Add(1)
	go func() {
		defer wg.Done()
		nextExpiry := time.Now().Add(time.Second + rand.N(time.Second))
		for {
			select {
			case <-stop:
				t.Logf("faults: %d cuts, %d expiries", cuts, expiries)
				return
			case <-time.After(50*time.Millisecond + rand.N(250*time.Millisecond)):
			}
			if time.Now().After(nextExpiry) {
				nextExpiry = time.Now().Add(time.Second + rand.N(time.Second))
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				// Fails when the client is between sessions: fine, the
				// next one comes.
				if zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()) == nil {
					expiries++
				}
				cancel()
				continue
			}
			px.Cut()
			cuts++
		}
	}()
}

// contWriters runs four writers on w until stop closes. op does one random
// change.
func contWriters(stop <-chan struct{}, wg *sync.WaitGroup, op func(ctx context.Context, r *rand.Rand)) {
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(i)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				op(ctx, r)
				cancel()
			}
		}()
	}
}

// latest keeps the last update a continuous watch sent.
type latest[T any] struct {
	mu      sync.Mutex
	last    *T
	changed chan struct{} // one slot: something new
}

func newLatest[T any]() *latest[T] { return &latest[T]{changed: make(chan struct{}, 1)} }

func (l *latest[T]) set(u T) {
	l.mu.Lock()
	l.last = &u
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

func (l *latest[T]) get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// settle waits up to contSettle for check (comparing the watch's latest
// update with the server) to pass, re-checking on every update and every
// 200 ms (the server's state is read by check itself).
func settle[T any](t *testing.T, l *latest[T], check func(last *T) error) {
	t.Helper()
	deadline := time.After(contSettle)
	for {
		err := check(l.get())
		if err == nil {
			return
		}
		select {
		case <-deadline:
			t.Fatalf("%d s after the writers stopped: %v", contSettle/time.Second, err)
		case <-l.changed:
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// follow keeps the latest update of a continuous watch until its channel
// closes (done), failing the test on a final update with an error.
func follow[U any](t *testing.T, round int, updates <-chan U, errOf func(U) error) (*latest[U], <-chan struct{}) {
	l := newLatest[U]()
	done := make(chan struct{})
	go func() {
		defer close(done)
		n := 0
		for u := range updates {
			if err := errOf(u); err != nil {
				t.Errorf("round %d: the watch ended: %v", round, err)
			}
			l.set(u)
			n++
		}
		t.Logf("round %d: %d updates", round, n)
	}()
	return l, done
}

func describeStat(s *zk.Stat) string {
	if s == nil {
		return "no node"
	}
	return fmt.Sprintf("version %d mzxid %#x czxid %#x pzxid %#x cversion %d", s.Version, s.Mzxid, s.Czxid, s.Pzxid, s.Cversion)
}

func TestContinuousWatchDataUnderCutsAndExpiry(t *testing.T) {
	writer := connect(t)
	for round := range contRounds {
		p := fmt.Sprintf("%s-%d", testPath(t), round)
		px, err := zktest.NewProxy(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer px.Close()
		c := connectTo(t, []string{px.Addr()}, zk.WithNewSessionOnExpiry(), zk.WithSessionTimeout(6*time.Second))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		updates, err := zk.WatchData(ctx, c, p, zk.ResumeAfterExpiry())
		if err != nil {
			t.Fatal(err)
		}
		l, done := follow(t, round, updates, func(u zk.DataUpdate) error { return u.Err })

		stop := make(chan struct{})
		var wg sync.WaitGroup
		contWriters(stop, &wg, func(ctx context.Context, r *rand.Rand) {
			data := fmt.Appendf(nil, "v%d", r.Int64())
			switch r.IntN(7) {
			case 0, 1:
				writer.Create(ctx, p, data, zk.Persistent, open)
			case 2:
				writer.Set(ctx, p, data, -1)
			case 3:
				if _, st, err := writer.Get(ctx, p); err == nil {
					writer.Set(ctx, p, data, st.Version)
				}
			case 4:
				if _, st, err := writer.Get(ctx, p); err == nil {
					writer.Delete(ctx, p, st.Version)
				}
			case 5:
				writer.Delete(ctx, p, -1)
			case 6:
				// Delete and re-create in one transaction, or create and set.
				if r.IntN(2) == 0 {
					writer.Multi(ctx, zk.DeleteOp(p, -1), zk.CreateOp(p, data, zk.Persistent, open))
				} else {
					writer.Multi(ctx, zk.CreateOp(p, nil, zk.Persistent, open), zk.SetOp(p, data, -1))
				}
			}
		})
		contFaults(t, px, c, stop, &wg)
		time.Sleep(contRoundTime) // the length of the round, not a wait for a signal
		close(stop)
		wg.Wait()

		sctx, scancel := context.WithTimeout(context.Background(), contSettle+5*time.Second)
		settle(t, l, func(last *zk.DataUpdate) error {
			data, st, err := writer.Get(sctx, p)
			if err != nil && !errors.Is(err, zk.ErrNoNode) {
				return err
			}
			switch {
			case last == nil:
				return errors.New("no update at all")
			case err != nil && last.Stat == nil:
				return nil
			case err != nil:
				return fmt.Errorf("round %d: the watch's latest update is %q %s; the node does not exist", round, last.Data, describeStat(last.Stat))
			case last.Stat == nil || string(last.Data) != string(data) || last.Stat.Mzxid != st.Mzxid || last.Stat.Czxid != st.Czxid || last.Stat.Version != st.Version:
				return fmt.Errorf("round %d: the watch's latest update is %q %s; the server has %q %s", round, last.Data, describeStat(last.Stat), data, describeStat(st))
			}
			return nil
		})
		scancel()
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: the watch's channel did not close after its context ended", round)
		}
	}
}

func TestContinuousWatchChildrenUnderCutsAndExpiry(t *testing.T) {
	writer := connect(t)
	for round := range contRounds {
		p := fmt.Sprintf("%s-%d", testPath(t), round)
		px, err := zktest.NewProxy(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer px.Close()
		c := connectTo(t, []string{px.Addr()}, zk.WithNewSessionOnExpiry(), zk.WithSessionTimeout(6*time.Second))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		updates, err := zk.WatchChildren(ctx, c, p, zk.ResumeAfterExpiry())
		if err != nil {
			t.Fatal(err)
		}
		l, done := follow(t, round, updates, func(u zk.ChildrenUpdate) error { return u.Err })

		stop := make(chan struct{})
		var wg sync.WaitGroup
		contWriters(stop, &wg, func(ctx context.Context, r *rand.Rand) {
			child := fmt.Sprintf("%s/c%d", p, r.IntN(4))
			switch r.IntN(8) {
			case 0:
				writer.Create(ctx, p, nil, zk.Persistent, open)
			case 1, 2:
				writer.Create(ctx, child, nil, zk.Persistent, open)
			case 3:
				writer.Delete(ctx, child, -1)
			case 4:
				writer.Set(ctx, p, []byte("x"), -1) // no child change: must not matter
			case 5:
				// Delete the node with its children, or all but re-create it.
				kids, _, err := writer.Children(ctx, p)
				if err != nil {
					return
				}
				var ops []zk.Op
				for _, k := range kids {
					ops = append(ops, zk.DeleteOp(p+"/"+k, -1))
				}
				ops = append(ops, zk.DeleteOp(p, -1))
				if r.IntN(2) == 0 {
					ops = append(ops, zk.CreateOp(p, nil, zk.Persistent, open))
				}
				writer.Multi(ctx, ops...)
			case 6:
				writer.Delete(ctx, p, -1) // fails unless empty
			case 7:
				writer.Multi(ctx, zk.CreateOp(p, nil, zk.Persistent, open), zk.CreateOp(child, nil, zk.Persistent, open))
			}
		})
		contFaults(t, px, c, stop, &wg)
		time.Sleep(contRoundTime) // the length of the round, not a wait for a signal
		close(stop)
		wg.Wait()

		sctx, scancel := context.WithTimeout(context.Background(), contSettle+5*time.Second)
		settle(t, l, func(last *zk.ChildrenUpdate) error {
			kids, st, err := writer.Children(sctx, p)
			if err != nil && !errors.Is(err, zk.ErrNoNode) {
				return err
			}
			slices.Sort(kids)
			switch {
			case last == nil:
				return errors.New("no update at all")
			case err != nil && last.Stat == nil:
				return nil
			case err != nil:
				return fmt.Errorf("round %d: the watch's latest update is %v %s; the node does not exist", round, last.Children, describeStat(last.Stat))
			case last.Stat == nil || !slices.Equal(last.Children, kids) || last.Stat.Pzxid != st.Pzxid || last.Stat.Czxid != st.Czxid || last.Stat.Cversion != st.Cversion:
				return fmt.Errorf("round %d: the watch's latest update is %v %s; the server has %v %s", round, last.Children, describeStat(last.Stat), kids, describeStat(st))
			}
			return nil
		})
		scancel()
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: the watch's channel did not close after its context ended", round)
		}
	}
}
