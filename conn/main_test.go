package conn

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkwire/zk/proto"
	"github.com/zkwire/zk/zktest"
)

// srv is the standalone server shared by the tests that neither stop it
// nor restart it.
var srv *zktest.Server

func TestMain(m *testing.M) {
	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
}

// stateEvent is one StateChange call.
type stateEvent struct {
	State      proto.State
	NewSession bool
}

func (e stateEvent) String() string {
	if e.NewSession {
		return e.State.String() + "(new)"
	}
	return e.State.String()
}

// recorder is an EventSink and WatchProvider that records what it is told
// and returns the watch sets in watches.
type recorder struct {
	mu      sync.Mutex
	states  []stateEvent
	events  []proto.WatcherEvent
	watches []WatchSet
	asked   int
	all     []string      // states and events, in the order received
	changed chan struct{} // closed and replaced on every record
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) note() {
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *recorder) Notification(ev proto.WatcherEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	r.all = append(r.all, ev.Type.String()+" "+ev.Path)
	r.note()
}

func (r *recorder) StateChange(s proto.State, _ int64, newSession bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, stateEvent{s, newSession})
	r.all = append(r.all, stateEvent{s, newSession}.String())
	r.note()
}

func (r *recorder) WatchesToRestore() []WatchSet {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked++
	return r.watches
}

func (r *recorder) askedCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.asked
}

func (r *recorder) setWatches(w ...WatchSet) {
	r.mu.Lock()
	r.watches = w
	r.mu.Unlock()
}

// stateList returns the states seen so far.
func (r *recorder) stateList() []stateEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]stateEvent(nil), r.states...)
}

func (r *recorder) eventList() []proto.WatcherEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]proto.WatcherEvent(nil), r.events...)
}

func (r *recorder) log() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.all...)
}

func (r *recorder) count(s proto.State) int {
	n := 0
	for _, e := range r.stateList() {
		if e.State == s {
			n++
		}
	}
	return n
}

func wantStates(t *testing.T, rec *recorder, want ...stateEvent) {
	t.Helper()
	if got := rec.stateList(); !slices.Equal(got, want) {
		t.Fatalf("states %v, want %v", got, want)
	}
}

var (
	connectedNew = stateEvent{proto.StateSyncConnected, true}
	reconnected  = stateEvent{proto.StateSyncConnected, false}
	disconnected = stateEvent{proto.StateDisconnected, false}
)

// waitUntil waits (up to within) until cond holds, re-checking on every
// record and every 50 ms.
func (r *recorder) waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ch := r.changed
		r.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-time.After(50 * time.Millisecond):
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; states %v, events %v", what, r.stateList(), r.eventList())
		}
	}
}

// eventually polls cond every 50 ms for up to within.
func eventually(t *testing.T, within time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dial opens a session for one test and closes it when the test ends.
func dial(t *testing.T, cfg Config) *Conn {
	t.Helper()
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// Raw requests, as the zk layer would build them.

func getData(ctx context.Context, c *Conn, path string, watch bool) (*proto.GetDataResponse, error) {
	resp := &proto.GetDataResponse{}
	err := c.Do(ctx, &Call{Op: proto.OpGetData, Req: &proto.GetDataRequest{Path: path, Watch: watch}, Resp: resp})
	return resp, err
}

var worldACL = []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "world", ID: "anyone"}}}

func create(ctx context.Context, c *Conn, path string, data []byte, acl []proto.ACL) error {
	if acl == nil {
		acl = worldACL
	}
	return c.Do(ctx, &Call{Op: proto.OpCreate,
		Req:  &proto.CreateRequest{Path: path, Data: data, ACL: acl},
		Resp: &proto.CreateResponse{}})
}

func setData(ctx context.Context, c *Conn, path string, data []byte) error {
	return c.Do(ctx, &Call{Op: proto.OpSetData,
		Req:  &proto.SetDataRequest{Path: path, Data: data, Version: -1},
		Resp: &proto.SetDataResponse{}})
}

func exists(ctx context.Context, c *Conn, path string, watch bool) error {
	return c.Do(ctx, &Call{Op: proto.OpExists,
		Req:  &proto.ExistsRequest{Path: path, Watch: watch},
		Resp: &proto.ExistsResponse{}})
}

var nodeSeq atomic.Int64

// uniquePath returns a fresh top-level path for one test.
func uniquePath(t *testing.T) string {
	return fmt.Sprintf("/conn-%d-%d", time.Now().UnixNano()%1e9, nodeSeq.Add(1))
}
