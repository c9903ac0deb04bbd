package fourletter_test

import (
	"context"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/zktest"
)

// srv is the standalone server the package's live tests share.
var srv *zktest.Server

// update rewrites testdata/3.8 from the live server (see capture_test.go).
var update = flag.Bool("update", false, "capture the golden answers again from the real server")

func TestMain(m *testing.M) {
	os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
}

// scene is what populate left on a server: sessions with watches and
// ephemeral nodes, for the live tests to find in the answers.
type scene struct {
	root     string           // the test's top node
	sessions []int64          // two sessions
	watched  map[int64]string // a path each session watches (data watch)
	eph      map[int64]string // an ephemeral node of each session
}

// populate opens two sessions on addr; each creates an ephemeral node under
// a fresh root and sets a data watch (getData on its own node, exists on a
// missing one), a child watch and a persistent watch.
func populate(t *testing.T, addr string) scene {
	t.Helper()
	ctx := testenv.Ctx(t, 30*time.Second)
	sc := scene{root: testenv.Path(t, ""), watched: map[int64]string{}, eph: map[int64]string{}}
	setup := testenv.Connect(t, addr)
	if _, err := setup.Create(ctx, sc.root, []byte("scene"), zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		kids, _, _ := setup.Children(ctx, sc.root)
		for _, k := range kids {
			setup.Delete(ctx, sc.root+"/"+k, -1)
		}
		setup.Delete(ctx, sc.root, -1)
	})
	for i, name := range []string{"a", "b"} {
		c := testenv.Connect(t, addr)
		id := c.SessionID()
		sc.sessions = append(sc.sessions, id)
		eph := sc.root + "/eph-" + name
		if _, err := c.Create(ctx, eph, nil, zk.Ephemeral, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		sc.eph[id] = eph
		if _, _, _, err := c.GetW(ctx, eph); err != nil {
			t.Fatal(err)
		}
		sc.watched[id] = eph
		if _, _, _, err := c.ExistsW(ctx, sc.root+"/missing-"+name); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := c.ChildrenW(ctx, sc.root); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := c.AddWatch(ctx, sc.root, zk.KindPersistentRecursive); err != nil {
				t.Fatal(err)
			}
		}
	}
	return sc
}
