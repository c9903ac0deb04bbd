package cache

import (
	"testing"

	"github.com/zkwire/zk"
)

// Reads applied out of order must not move a node back in time.
func TestStoreIgnoresStaleReads(t *testing.T) {
	s := newStore("/r")
	var evs []Event
	evs = s.upsert("/r", []byte("v2"), &zk.Stat{Czxid: 10, Mzxid: 20}, evs)
	evs = s.upsert("/r", []byte("v1"), &zk.Stat{Czxid: 10, Mzxid: 15}, evs) // older modification
	evs = s.upsert("/r", []byte("v0"), &zk.Stat{Czxid: 5, Mzxid: 30}, evs)  // older incarnation
	evs = s.upsert("/r", []byte("v2"), &zk.Stat{Czxid: 10, Mzxid: 20, NumChildren: 3}, evs)
	if len(evs) != 1 || evs[0].Type != NodeAdded {
		t.Fatalf("events %v, want one NodeAdded", evs)
	}
	if n, _ := s.get("/r"); string(n.Data) != "v2" || n.Stat.NumChildren != 3 {
		t.Fatalf("node %q %+v", n.Data, n.Stat)
	}
	evs = s.upsert("/r", []byte("v3"), &zk.Stat{Czxid: 40, Mzxid: 40}, nil) // recreated
	if len(evs) != 1 || evs[0].Type != NodeUpdated {
		t.Fatalf("events %v, want NodeUpdated", evs)
	}
}

func TestStoreRemovesSubtreeChildrenFirst(t *testing.T) {
	s := newStore("/r")
	for i, p := range []string{"/r", "/r/a", "/r/a/b", "/r/c", "/elsewhere"} {
		s.upsert(p, nil, &zk.Stat{Czxid: int64(i + 1), Mzxid: int64(i + 1)}, nil)
	}
	if s.has("/elsewhere") {
		t.Fatal("cached a path outside the root")
	}
	evs := s.remove("/r/a", nil)
	if len(evs) != 2 || evs[0].Path != "/r/a/b" || evs[1].Path != "/r/a" {
		t.Fatalf("events %v", evs)
	}
	if kids, _ := s.children("/r"); len(kids) != 1 || kids[0] != "c" {
		t.Fatalf("children %v", kids)
	}
	evs = s.removeUnseen(map[string]bool{"/r": true}, nil)
	if len(evs) != 1 || evs[0].Path != "/r/c" {
		t.Fatalf("events %v", evs)
	}
}
