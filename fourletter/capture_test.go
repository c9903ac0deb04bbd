package fourletter_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zkwire/zk/fourletter"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/zktest"
)

// words are the words with golden answers under testdata/3.8.
var words = []string{"ruok", "srvr", "stat", "mntr", "cons", "wchs", "wchc", "wchp", "conf", "envi", "isro", "dump"}

// TestCapture rewrites the golden answers with -update: every word from a
// standalone server with two sessions holding watches and ephemeral nodes,
// and srvr, stat, mntr, conf, dump and cons from the leader and a follower of a
// 3-server ensemble (their answers have lines of their own).
//
//	go test ./fourletter -run TestCapture -update
func TestCapture(t *testing.T) {
	if !*update {
		t.Skip("only with -update")
	}
	dir := filepath.Join("testdata", "3.8")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := zktest.StartServerT(t)
	populate(t, s.Addr())
	for _, w := range words {
		capture(t, s.Addr(), w, filepath.Join(dir, w+".txt"))
	}
	e := zktest.StartEnsembleT(t, 3)
	ctx := testenv.Ctx(t, time.Minute)
	leader, err := e.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	follower := e.Servers()[(leader+1)%3]
	populate(t, e.Servers()[leader].Addr())
	for _, w := range []string{"srvr", "stat", "mntr", "conf", "dump", "cons"} {
		capture(t, e.Servers()[leader].Addr(), w, filepath.Join(dir, w+"-leader.txt"))
		capture(t, follower.Addr(), w, filepath.Join(dir, w+"-follower.txt"))
	}
}

func capture(t *testing.T, addr, word, file string) {
	t.Helper()
	ans, err := fourletter.Raw(testenv.Ctx(t, 10*time.Second), addr, word)
	if err != nil {
		t.Fatalf("%s: %v", word, err)
	}
	if err := os.WriteFile(file, []byte(ans), 0o644); err != nil {
		t.Fatal(err)
	}
}
