package zk_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// A GetW whose reply exceeds the reply limit fails with ErrReplyTooLarge
// and returns no watch; the server registered the watch before it sent
// the reply, so the client removes it there: afterwards the server's watch
// list (wchc) and Watches() agree that this session watches nothing, and
// a later change of the node is not announced to anyone.
func TestGetWReplyTooLargeLeavesNoServerWatch(t *testing.T) {
	c := connect(t, zk.WithMaxReplySize(64<<10))
	ctx := ctxFor(t, 30*time.Second)
	p := testPath(t)
	mustCreate(t, c, p, make([]byte, 200_000))
	t.Cleanup(func() { c.Delete(ctxFor(t, 10*time.Second), p, -1) })

	_, _, w, err := c.GetW(ctx, p)
	if !errors.Is(err, zk.ErrReplyTooLarge) || w != nil {
		t.Fatalf("GetW of a 200 KB node with a 64 KiB reply limit: watch %v, %v; want ErrReplyTooLarge, no watch", w, err)
	}
	// Round trips after the failed call: anything the client queued for it
	// (a removeWatches) has been answered by the time they are.
	if _, _, err := c.Exists(ctx, p); err != nil {
		t.Fatal(err)
	}
	id := c.SessionID()
	eventually(t, 5*time.Second, func() error {
		srvSide := serverWatches(t, id)
		var local []string
		for _, r := range c.Watches() {
			local = append(local, r.Path)
		}
		if slices.Contains(srvSide, p) || len(local) != 0 {
			return fmt.Errorf("server watches %v, client Watches() %v; want neither to hold %s", srvSide, c.Watches(), p)
		}
		return nil
	})
}
