package zk_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// A GetW or ChildrenW whose reply is over the reply limit fails with
// ErrReplyTooLarge and returns no watch, yet the server processed the read
// and set the watch. Nobody tracks that server watch: the client's
// registrations and the server's must agree afterwards (CheckWatches says
// no watch), as they do when a caller gives up on a watched read.
func TestAttackReplyTooLargeLeavesNoServerWatch(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 30*time.Second)
	big := connect(t)
	p := testPath(t)
	mustCreate(t, big, p, bytes.Repeat([]byte("x"), 5000))
	for i := 0; i < 200; i++ {
		mustCreate(t, big, p+"/child-with-a-long-enough-name-"+string(rune('a'+i%26))+string(rune('a'+i/26)), nil)
	}
	c := connect(t, zk.WithMaxReplySize(1024))
	if _, _, _, err := c.GetW(ctx, p); !errors.Is(err, zk.ErrReplyTooLarge) {
		t.Fatalf("GetW: %v, want ErrReplyTooLarge", err)
	}
	if _, _, _, err := c.ChildrenW(ctx, p); !errors.Is(err, zk.ErrReplyTooLarge) {
		t.Fatalf("ChildrenW: %v, want ErrReplyTooLarge", err)
	}
	if w := c.Watches(); len(w) != 0 {
		t.Fatalf("local registrations after failed reads: %+v", w)
	}
	eventually(t, 5*time.Second, func() error {
		var errs []error
		for _, ty := range []zk.WatchKind{zk.KindData, zk.KindChild} {
			if err := c.CheckWatches(ctx, p, ty); !errors.Is(err, zk.ErrNoWatcher) {
				errs = append(errs, fmt.Errorf("server still holds a watch of type %d nobody tracks: CheckWatches = %v", ty, err))
			}
		}
		return errors.Join(errs...)
	})
}
