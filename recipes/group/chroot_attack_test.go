package group_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/group"
)

// A group under a chroot that does not exist yet: Start and Join make
// what is missing, the chroot's own nodes included.
func TestAttackGroupUnderMissingChroot(t *testing.T) {
	ctx := ctxFor(t, 30*time.Second)
	root := testPath(t) + "/ns"
	c := connect(t, "", zk.WithChroot(root))
	m, err := group.New(c, "/g")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	if err := m.Start(ctx); err != nil {
		t.Fatalf("Start under a missing chroot: %v", err)
	}
	if err := m.Join(ctx, "a", []byte("x")); err != nil {
		t.Fatalf("Join: %v", err)
	}
	eventually(t, 10*time.Second, func() error {
		if got := m.Members(); len(got) != 1 {
			return fmt.Errorf("members %v, want one", got)
		}
		return nil
	})
}
