package zk_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/zktest"
)

// TestBatchResultsInOrder: every operation gets its own result, in the
// order added, whatever the others got; an operation with bad input is
// refused alone.
func TestBatchResultsInOrder(t *testing.T) { bothModes(t, testBatchResultsInOrder) }

func testBatchResultsInOrder(t *testing.T, opts ...zk.BatchOption) {
	c := connect(t)
	ctx := ctxFor(t, 30*time.Second)
	root := testPath(t)
	mustCreate(t, c, root, []byte("r"))
	mustCreate(t, c, root+"/a", []byte("A"))
	mustCreate(t, c, root+"/b", nil)

	b := c.NewBatch(opts...)
	b.Get(root + "/a")                                       // 0
	b.Get(root + "/missing")                                 // 1
	b.Children(root)                                         // 2
	b.Exists(root + "/missing")                              // 3
	b.Exists(root + "/a")                                    // 4
	b.Set(root+"/a", []byte("A2"), 99)                       // 5: bad version
	b.Set(root+"/a", []byte("A2"), 0)                        // 6
	b.Create(root+"/c", []byte("C"), zk.Persistent, open)    // 7
	b.Create(root+"/s-", nil, zk.PersistentSequential, open) // 8
	b.Delete(root+"/b", -1)                                  // 9
	b.Get("bad//path")                                       // 10: never sent
	b.Create(root+"/d", nil, zk.CreateMode(99), open)        // 11: never sent
	b.Get(root + "/a")                                       // 12: after the Set
	if b.Len() != 13 {
		t.Fatalf("Len = %d, want 13", b.Len())
	}
	res, err := b.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if len(res) != 13 || b.Len() != 0 {
		t.Fatalf("%d results, Len after Wait %d; want 13 and 0", len(res), b.Len())
	}
	check := func(i int, ok bool, format string, args ...any) {
		t.Helper()
		if !ok {
			t.Errorf("result %d %+v: "+format, append([]any{i, res[i]}, args...)...)
		}
	}
	check(0, res[0].Err == nil && string(res[0].Data) == "A" && res[0].Stat != nil && res[0].Path == root+"/a", "want data A")
	check(1, errors.Is(res[1].Err, zk.ErrNoNode) && strings.Contains(res[1].Err.Error(), "missing"), "want ErrNoNode naming the path")
	kids := slices.Clone(res[2].Children)
	slices.Sort(kids)
	grouped := len(opts) > 0
	check(2, res[2].Err == nil && slices.Equal(kids, []string{"a", "b"}) && (grouped || res[2].Stat.NumChildren == 2), "want children a b")
	check(3, res[3].Err == nil && res[3].Stat == nil, "want no node, no error")
	check(4, res[4].Err == nil && res[4].Stat != nil && res[4].Stat.DataLength == 1, "want a Stat")
	check(5, errors.Is(res[5].Err, zk.ErrBadVersion), "want ErrBadVersion")
	check(6, res[6].Err == nil && res[6].Stat != nil && res[6].Stat.Version == 1, "want version 1")
	check(7, res[7].Err == nil && res[7].Path == root+"/c" && res[7].Stat != nil, "want created")
	check(8, res[8].Err == nil && strings.HasPrefix(res[8].Path, root+"/s-") && len(res[8].Path) == len(root)+3+10, "want a sequential name")
	check(9, res[9].Err == nil, "want deleted")
	check(10, errors.Is(res[10].Err, zk.ErrInvalidPath), "want ErrInvalidPath")
	check(11, errors.Is(res[11].Err, zk.ErrInvalidArgument), "want ErrInvalidArgument")
	check(12, res[12].Err == nil && string(res[12].Data) == "A2", "want the new data")
	if ok, _, _ := c.Exists(ctx, root+"/b"); ok {
		t.Error("deleted node still exists")
	}
	if ok, _, _ := c.Exists(ctx, root+"/d"); ok {
		t.Error("the refused create was sent")
	}
	// The batch can be used again.
	b.Get(root + "/c")
	res, err = b.Wait(ctx)
	if err != nil || len(res) != 1 || string(res[0].Data) != "C" {
		t.Fatalf("second round: %v %+v", err, res)
	}
}

// TestBatchChroot: paths in and out are relative to the chroot.
func TestBatchChroot(t *testing.T) { bothModes(t, testBatchChroot) }

func testBatchChroot(t *testing.T, opts ...zk.BatchOption) {
	admin := connect(t)
	ctx := ctxFor(t, 30*time.Second)
	root := testPath(t)
	mustCreate(t, admin, root, nil)
	mustCreate(t, admin, root+"/x", []byte("X"))
	c := connect(t, zk.WithChroot(root))
	b := c.NewBatch(opts...)
	b.Get("/x")
	b.Children("/")
	b.Create("/y", []byte("Y"), zk.Persistent, open)
	b.Create("/", nil, zk.PersistentSequential, open)
	res, err := b.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || string(res[0].Data) != "X" || res[0].Path != "/x" {
		t.Errorf("get: %+v", res[0])
	}
	if res[1].Err != nil || !slices.Contains(res[1].Children, "x") {
		t.Errorf("children: %+v", res[1])
	}
	if res[2].Err != nil || res[2].Path != "/y" {
		t.Errorf("create: %+v", res[2])
	}
	if res[3].Err != nil || !strings.HasPrefix(res[3].Path, "/0") || strings.Contains(res[3].Path, root) {
		t.Errorf("sequential create: %+v", res[3])
	}
	if data, _, err := admin.Get(ctx, root+"/y"); err != nil || string(data) != "Y" {
		t.Errorf("the create landed elsewhere: %q %v", data, err)
	}
}

// TestBatchWindowBoundsInFlight: with a server that never answers, adding
// many operations hands only a window of them to the client; the rest
// wait in the batch. Then the context's end ends Wait at once, and the
// operations never sent are marked so.
func TestBatchWindowBoundsInFlight(t *testing.T) { bothModes(t, testBatchWindowBoundsInFlight) }

func testBatchWindowBoundsInFlight(t *testing.T, opts ...zk.BatchOption) {
	px := testenv.Proxy(t, srv.Addr())
	c := connectTo(t, []string{px.Addr()})
	root := testPath(t)
	mustCreate(t, c, root, []byte("r"))
	px.SetBlackhole(true)
	const n = 20000
	b := c.NewBatch(opts...)
	for range n {
		b.Get(root)
	}
	sent, inflight := zk.BatchSent(b)
	t.Logf("added %d, sent %d, weight in flight %d", n, sent, inflight)
	if sent > zk.BatchWindow || inflight > zk.BatchWindow || sent == 0 {
		t.Fatalf("sent %d (weight %d) of %d with no reply; want 1 to %d", sent, inflight, n, zk.BatchWindow)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := b.Wait(ctx)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want the context's deadline", err)
	}
	if took > 5*time.Second {
		t.Fatalf("Wait took %v after its context ended", took)
	}
	for i, r := range res {
		if !errors.Is(r.Err, context.DeadlineExceeded) {
			t.Fatalf("result %d: %v, want the context's deadline", i, r.Err)
		}
		if i >= sent && !zk.SafeToRetry(r.Err) {
			t.Fatalf("result %d was never sent but SafeToRetry is false: %v", i, r.Err)
		}
	}
	px.SetBlackhole(false)
}

// TestBatchCutMidBatch: the connection drops while a window of operations
// is in flight. Every unfinished operation fails with connection loss
// (those never sent say so), Wait returns without waiting for a new
// connection, and the client goes on.
func TestBatchCutMidBatch(t *testing.T) { bothModes(t, testBatchCutMidBatch) }

func testBatchCutMidBatch(t *testing.T, opts ...zk.BatchOption) {
	px := testenv.Proxy(t, srv.Addr())
	c := connectTo(t, []string{px.Addr()})
	root := testPath(t)
	mustCreate(t, c, root, []byte("r"))
	px.SetBlackhole(true)
	const n = 5000
	b := c.NewBatch(opts...)
	for range n {
		b.Get(root)
	}
	sent, _ := zk.BatchSent(b)
	done := make(chan struct{})
	var res []zk.BatchResult
	var err error
	go func() {
		defer close(done)
		res, err = b.Wait(ctxFor(t, 60*time.Second))
	}()
	px.SetRefuse(true) // no new connection until the batch is over
	px.Cut()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Wait did not return within 30 s of the cut")
	}
	if !errors.Is(err, zk.ErrConnectionLoss) {
		t.Fatalf("Wait = %v, want ErrConnectionLoss", err)
	}
	for i, r := range res {
		if !errors.Is(r.Err, zk.ErrConnectionLoss) {
			t.Fatalf("result %d: %v, want ErrConnectionLoss", i, r.Err)
		}
		if i >= sent && !zk.SafeToRetry(r.Err) {
			t.Fatalf("result %d was never sent but SafeToRetry is false: %v", i, r.Err)
		}
	}
	px.SetBlackhole(false)
	px.SetRefuse(false)
	b.Get(root)
	res, err = b.Wait(ctxFor(t, 30*time.Second))
	if err != nil || string(res[0].Data) != "r" {
		t.Fatalf("after the cut: %v %+v", err, res)
	}
}

// TestBatchClosedClient: a batch on a closed client fails every operation
// with ErrClosed at once; one in flight when the client closes ends too.
func TestBatchClosedClient(t *testing.T) { bothModes(t, testBatchClosedClient) }

func testBatchClosedClient(t *testing.T, opts ...zk.BatchOption) {
	px := testenv.Proxy(t, srv.Addr())
	c := connectTo(t, []string{px.Addr()})
	root := testPath(t)
	mustCreate(t, c, root, nil)
	px.SetBlackhole(true)
	b := c.NewBatch(opts...)
	for range 1000 {
		b.Exists(root)
	}
	done := make(chan error, 1)
	go func() {
		_, err := b.Wait(ctxFor(t, 60*time.Second))
		done <- err
	}()
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, zk.ErrClosed) {
			t.Fatalf("Wait when the client closed = %v, want ErrClosed", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Wait did not return within 30 s of Close")
	}
	b.Get(root)
	b.Set(root, nil, -1)
	res, err := b.Wait(ctxFor(t, 10*time.Second))
	if !errors.Is(err, zk.ErrClosed) || len(res) != 2 || !errors.Is(res[0].Err, zk.ErrClosed) || !errors.Is(res[1].Err, zk.ErrClosed) {
		t.Fatalf("batch on a closed client: %v %+v", err, res)
	}
}

// TestBatchReplyTooLarge: a reply over the client's limit fails its own
// operation only; the others and the connection are unharmed.
func TestBatchReplyTooLarge(t *testing.T) { bothModes(t, testBatchReplyTooLarge) }

func testBatchReplyTooLarge(t *testing.T, opts ...zk.BatchOption) {
	var mu sync.Mutex
	var states []zk.State
	c := connect(t, zk.WithMaxReplySize(64<<10), zk.WithStateListener(func(s zk.State) {
		mu.Lock()
		states = append(states, s)
		mu.Unlock()
	}))
	ctx := ctxFor(t, 30*time.Second)
	root := testPath(t)
	mustCreate(t, c, root, []byte("small"))
	mustCreate(t, c, root+"/big", make([]byte, 100<<10))
	mu.Lock()
	before := len(states)
	mu.Unlock()
	b := c.NewBatch(opts...)
	for i := range 30 {
		if i == 15 {
			b.Get(root + "/big")
		} else {
			b.Get(root)
		}
	}
	res, err := b.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	for i, r := range res {
		switch {
		case i == 15 && !errors.Is(r.Err, zk.ErrReplyTooLarge):
			t.Errorf("big node: %v, want ErrReplyTooLarge", r.Err)
		case i != 15 && (r.Err != nil || string(r.Data) != "small"):
			t.Errorf("result %d: %q %v", i, r.Data, r.Err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(states) != before {
		t.Errorf("state changes %v during the batch", states[before:])
	}
}

// TestBatchManyOps: far more operations than the window complete, each
// with its own node's data.
func TestBatchManyOps(t *testing.T) { bothModes(t, testBatchManyOps) }

func testBatchManyOps(t *testing.T, opts ...zk.BatchOption) {
	c := connect(t)
	ctx := ctxFor(t, 60*time.Second)
	root := testPath(t)
	mustCreate(t, c, root, nil)
	const n = 300
	b := c.NewBatch(opts...)
	for i := range n {
		b.Create(fmt.Sprintf("%s/%d", root, i), []byte(fmt.Sprint(i)), zk.Persistent, open)
	}
	if _, err := b.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		for i := range n {
			b.Get(fmt.Sprintf("%s/%d", root, i))
		}
	}
	res, err := b.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || string(r.Data) != fmt.Sprint(i%n) {
			t.Fatalf("result %d: %q %v", i, r.Data, r.Err)
		}
	}
}

// bothModes runs a batch test with one request per operation and with
// reads grouped into multiRead requests.
func bothModes(t *testing.T, f func(*testing.T, ...zk.BatchOption)) {
	t.Run("single", func(t *testing.T) { f(t) })
	t.Run("grouped", func(t *testing.T) { f(t, zk.GroupReads(7)) })
}

// TestBatchMetrics: a batch's requests go through the client's one request
// path, so the metrics see each request once, started and done; an
// operation refused before sending is no request.
func TestBatchMetrics(t *testing.T) {
	m := newCountingMetrics()
	c := connect(t, zk.WithMetrics(m))
	ctx := ctxFor(t, 30*time.Second)
	root := testPath(t)
	mustCreate(t, c, root, nil)
	for _, tc := range []struct {
		name string
		opts []zk.BatchOption
		want map[string]int
	}{
		{"single", nil, map[string]int{"getData": 3, "getChildren2": 1, "setData": 1}},
		{"grouped", []zk.BatchOption{zk.GroupReads(2)}, map[string]int{"multiRead": 2, "setData": 1}},
	} {
		before := m.snapshot()
		b := c.NewBatch(tc.opts...)
		b.Get(root)
		b.Get(root + "/missing")
		b.Get("no-slash") // refused
		b.Children(root)
		b.Get(root)
		b.Set(root, nil, -1)
		if _, err := b.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		after := m.snapshot()
		if s, d := delta(before.started, after.started), delta(before.done, after.done); !maps.Equal(s, tc.want) || !maps.Equal(d, tc.want) {
			t.Errorf("%s: started %v, done %v; want %v for both", tc.name, s, d, tc.want)
		}
		if after.inFlight != 0 {
			t.Errorf("%s: %d requests in flight after Wait", tc.name, after.inFlight)
		}
	}
}

// TestBatchExpiredSession: once the session has expired, a batch fails
// every operation with ErrSessionExpired at once.
func TestBatchExpiredSession(t *testing.T) { bothModes(t, testBatchExpiredSession) }

func testBatchExpiredSession(t *testing.T, opts ...zk.BatchOption) {
	c := connect(t)
	ctx := ctxFor(t, 60*time.Second)
	root := testPath(t)
	mustCreate(t, c, root, nil)
	if err := zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		if s := c.State(); s != zk.StateExpired {
			return fmt.Errorf("state %v, want expired", s)
		}
		return nil
	})
	b := c.NewBatch(opts...)
	b.Get(root)
	b.Children(root)
	b.Set(root, nil, -1)
	res, err := b.Wait(ctx)
	if !errors.Is(err, zk.ErrSessionExpired) || len(res) != 3 {
		t.Fatalf("Wait = %d results, %v; want 3 and ErrSessionExpired", len(res), err)
	}
	for i, r := range res {
		if !errors.Is(r.Err, zk.ErrSessionExpired) {
			t.Errorf("result %d: %v, want ErrSessionExpired", i, r.Err)
		}
	}
}

// TestBatchHeavyOps: operations heavier than the window go one at a time
// and complete, in order, between light ones.
func TestBatchHeavyOps(t *testing.T) { bothModes(t, testBatchHeavyOps) }

func testBatchHeavyOps(t *testing.T, opts ...zk.BatchOption) {
	c := connect(t)
	ctx := ctxFor(t, 60*time.Second)
	root := testPath(t)
	mustCreate(t, c, root, nil)
	b := c.NewBatch(opts...)
	for i := range 4 {
		data := make([]byte, 700<<10)
		data[0] = byte(i)
		b.Set(root, data, -1)
		b.Get(root)
	}
	res, err := b.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		set, get := res[2*i], res[2*i+1]
		if set.Err != nil || get.Err != nil || len(get.Data) != 700<<10 || get.Data[0] != byte(i) || get.Stat.Version != int32(i+1) {
			t.Errorf("round %d: set %v, get %v (%d bytes, stat %+v)", i, set.Err, get.Err, len(get.Data), get.Stat)
		}
	}
}
