package cache

import (
	"bytes"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/zkwire/zk"
)

// store is the in-memory tree. Only the cache's goroutine writes it;
// lookups read it from any goroutine.
type store struct {
	root string

	mu    sync.RWMutex
	nodes map[string]*Node               // guarded by mu
	kids  map[string]map[string]struct{} // guarded by mu: parent path → child names
}

func newStore(root string) *store {
	return &store{root: root, nodes: make(map[string]*Node), kids: make(map[string]map[string]struct{})}
}

// within reports whether p is the root or below it.
func (s *store) within(p string) bool {
	if p == s.root || s.root == "/" {
		return strings.HasPrefix(p, "/")
	}
	return strings.HasPrefix(p, s.root+"/")
}

// upsert records a read of p and appends the event it implies. A read
// older than what the cache holds (an older incarnation, or an older
// modification of the same one) is ignored, so a stale read never
// overwrites newer data.
func (s *store) upsert(p string, data []byte, stat *zk.Stat, evs []Event) []Event {
	if !s.within(p) || stat == nil {
		return evs
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.nodes[p]
	if ok {
		switch {
		case stat.Czxid < old.Stat.Czxid,
			stat.Czxid == old.Stat.Czxid && stat.Mzxid < old.Stat.Mzxid:
			return evs // stale
		case stat.Czxid == old.Stat.Czxid && stat.Mzxid == old.Stat.Mzxid:
			old.Stat = *stat // same data; children fields may be newer
			return evs
		}
	}
	n := &Node{Data: bytes.Clone(data), Stat: *stat}
	s.nodes[p] = n
	if ok {
		return append(evs, Event{Type: NodeUpdated, Path: p, Data: n.Data, Stat: &n.Stat})
	}
	if p != s.root {
		parent, name := path.Dir(p), path.Base(p)
		if s.kids[parent] == nil {
			s.kids[parent] = make(map[string]struct{})
		}
		s.kids[parent][name] = struct{}{}
	}
	return append(evs, Event{Type: NodeAdded, Path: p, Data: n.Data, Stat: &n.Stat})
}

// remove drops p and everything cached below it, children first.
func (s *store) remove(p string, evs []Event) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removeLocked(p, evs)
}

func (s *store) removeLocked(p string, evs []Event) []Event {
	for name := range s.kids[p] {
		evs = s.removeLocked(join(p, name), evs)
	}
	delete(s.kids, p)
	n, ok := s.nodes[p]
	if !ok {
		return evs
	}
	delete(s.nodes, p)
	if p != s.root {
		parent := path.Dir(p)
		delete(s.kids[parent], path.Base(p))
		if len(s.kids[parent]) == 0 {
			delete(s.kids, parent)
		}
	}
	return append(evs, Event{Type: NodeRemoved, Path: p, Data: n.Data, Stat: &n.Stat})
}

// removeUnseen drops every cached node that a full read did not see.
func (s *store) removeUnseen(seen map[string]bool, evs []Event) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var gone []string
	for p := range s.nodes {
		if !seen[p] {
			gone = append(gone, p)
		}
	}
	// Shallow first: removing a parent removes its subtree with it.
	slices.SortFunc(gone, func(a, b string) int { return strings.Count(a, "/") - strings.Count(b, "/") })
	for _, p := range gone {
		evs = s.removeLocked(p, evs)
	}
	return evs
}

func (s *store) get(p string) (Node, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.nodes[p]
	if !ok {
		return Node{}, false
	}
	return Node{Data: bytes.Clone(n.Data), Stat: n.Stat}, true
}

func (s *store) children(p string) ([]string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, ok := s.nodes[p]; !ok {
		return nil, false
	}
	names := make([]string, 0, len(s.kids[p]))
	for name := range s.kids[p] {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, true
}

// cachedChildren returns the child names cached under p (whether or not p
// itself is cached).
func (s *store) cachedChildren(p string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.kids[p]))
	for name := range s.kids[p] {
		names = append(names, name)
	}
	return names
}

// keep marks p and everything cached below it seen, so that a full read
// that could not read them leaves them as they are.
func (s *store) keep(p string, seen map[string]bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.keepLocked(p, seen)
}

func (s *store) keepLocked(p string, seen map[string]bool) {
	if _, ok := s.nodes[p]; ok {
		seen[p] = true
	}
	for name := range s.kids[p] {
		s.keepLocked(join(p, name), seen)
	}
}

func (s *store) has(p string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.nodes[p]
	return ok
}

func (s *store) snapshot() map[string]Node {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := make(map[string]Node, len(s.nodes))
	for p, n := range s.nodes {
		m[p] = Node{Data: bytes.Clone(n.Data), Stat: n.Stat}
	}
	return m
}

// join appends a child name to a path.
func join(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}
