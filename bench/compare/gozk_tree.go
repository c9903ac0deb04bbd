package main

import "context"

// Children lets the tree-boot workload list a node's children with
// go-zookeeper (bench.ChildrenLister): it reads the tree with Children and
// Get of every node from 64 goroutines.
func (g goClient) Children(_ context.Context, path string) ([]string, error) {
	kids, _, err := g.c.Children(path)
	return kids, err
}
