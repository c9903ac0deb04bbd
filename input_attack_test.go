package zk_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// The emptiest and the largest inputs: each refused with a clear error,
// nothing sent, the connection kept.
func TestAttackEdgeInputs(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 30*time.Second)
	c := connect(t, zk.WithChroot("/"))
	p := testPath(t)
	mustCreate(t, c, p, nil)
	big := bytes.Repeat([]byte("x"), 2<<20)
	longPath := "/" + strings.Repeat("a", 2<<20)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	cases := []struct {
		name string
		err  error
		want error
		safe bool
	}{
		{"create empty path", second(c.Create(ctx, "", nil, zk.Persistent, open)), zk.ErrInvalidPath, true},
		{"create big data", second(c.Create(ctx, p+"/big", big, zk.Persistent, open)), zk.ErrPacketTooLarge, true},
		{"create long path", second(c.Create(ctx, longPath, nil, zk.Persistent, open)), zk.ErrPacketTooLarge, true},
		{"multi big", second(c.Multi(ctx, zk.CreateOp(p+"/a", big[:600<<10], zk.Persistent, open), zk.CreateOp(p+"/b", big[:600<<10], zk.Persistent, open))), zk.ErrPacketTooLarge, true},
		{"multi empty op", second(c.Multi(ctx, zk.Op{})), zk.ErrInvalidPath, true},
		{"protected empty", third(c.CreateProtected(ctx, "", nil, zk.EphemeralSequential, open)), zk.ErrInvalidPath, true},
		{"protected cancelled", third(c.CreateProtected(cancelled, p+"/x-", nil, zk.EphemeralSequential, open)), context.Canceled, true},
		{"ensure empty", c.EnsurePath(ctx, "", nil), zk.ErrInvalidPath, true},
		{"removeWatches empty", c.RemoveWatches(ctx, "", zk.WatcherAny, false), zk.ErrInvalidPath, true},
		{"ttl zero", third(c.CreateTTL(ctx, p+"/t", nil, zk.PersistentWithTTL, open, 0)), zk.ErrInvalidArgument, true},
		{"ttl sub-ms", third(c.CreateTTL(ctx, p+"/t", nil, zk.PersistentWithTTL, open, time.Microsecond)), zk.ErrInvalidArgument, true},
		{"create nil acl", second(c.Create(ctx, p+"/n", nil, zk.Persistent, nil)), zk.ErrInvalidArgument, true},
	}
	for _, tc := range cases {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
		if tc.safe && !zk.SafeToRetry(tc.err) && !errors.Is(tc.err, zk.ErrInvalidPath) && !errors.Is(tc.err, zk.ErrInvalidArgument) {
			t.Errorf("%s: %v not safe to retry, though nothing was sent", tc.name, tc.err)
		}
		if len(tc.err.Error()) > 1000 {
			t.Errorf("%s: error of %d bytes", tc.name, len(tc.err.Error()))
		}
	}
	if res, err := c.Multi(ctx); res != nil || err != nil {
		t.Errorf("empty Multi: %v %v", res, err)
	}
	if ch := c.SessionEvents(cancelled); ch != nil {
		select {
		case _, ok := <-ch:
			if ok {
				t.Error("SessionEvents on a cancelled ctx delivered an event")
			}
		case <-time.After(5 * time.Second):
			t.Error("SessionEvents on a cancelled ctx: channel not closed")
		}
	}
	if _, _, err := c.Get(ctx, p); err != nil || c.State() != zk.StateConnected {
		t.Fatalf("connection not kept: %v %v", err, c.State())
	}
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }
