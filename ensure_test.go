package zk_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/zkwire/zk"
)

// TestEnsurePathContainerLeaf: with ContainerLeaf the last node is a
// container and its parents persistent, as ZooKeeper 3.8 shows them: the
// server removes the leaf once its last child goes (zktest checks
// containers every second), while a leaf made without the option and the
// parents stay. Under a chroot too.
func TestEnsurePathContainerLeaf(t *testing.T) {
	ctx := ctxFor(t, time.Minute)
	obs := connect(t)
	root := testPath(t)
	mustCreate(t, obs, root, nil)
	c := connect(t, zk.WithChroot(root))

	if err := c.EnsurePath(ctx, "/a/box", nil, zk.ContainerLeaf()); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsurePath(ctx, "/a/plain", nil); err != nil {
		t.Fatal(err)
	}
	// Again: the nodes exist, which is fine.
	if err := c.EnsurePath(ctx, "/a/box", nil, zk.ContainerLeaf()); err != nil {
		t.Fatalf("EnsurePath of an existing container: %v", err)
	}
	for _, p := range []string{"/a", "/a/box", "/a/plain"} {
		ok, st, err := obs.Exists(ctx, root+p)
		if err != nil || !ok || st.EphemeralOwner != 0 {
			t.Fatalf("%s: exists=%v %+v %v, want a node with no ephemeral owner", p, ok, st, err)
		}
	}
	// A container that never had a child stays; once it had one and has
	// none left, the server removes it. A persistent node stays.
	for _, p := range []string{"/a/box/x", "/a/plain/x"} {
		if _, err := c.Create(ctx, p, nil, zk.Persistent, open); err != nil {
			t.Fatal(err)
		}
		if err := c.Delete(ctx, p, -1); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 20*time.Second, func() error {
		if ok, _, err := obs.Exists(ctx, root+"/a/box"); err != nil || ok {
			return fmt.Errorf("the emptied container is still there (%v)", err)
		}
		return nil
	})
	for _, p := range []string{"/a", "/a/plain"} {
		if ok, _, err := obs.Exists(ctx, root+p); err != nil || !ok {
			t.Errorf("persistent %s gone with the container (%v)", p, err)
		}
	}
	if err := c.EnsurePath(ctx, "/a/box", nil, nil); !errors.Is(err, zk.ErrInvalidArgument) {
		t.Errorf("nil option: %v, want ErrInvalidArgument", err)
	}
}
