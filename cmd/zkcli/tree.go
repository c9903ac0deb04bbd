package main

import (
	"context"
	"errors"
	"sync"

	"github.com/zkwire/zk"
)

// parallel bounds how many calls a subtree operation has in flight: the
// client pipelines them on one connection, so a few dozen hide the round
// trips without flooding the server.
const parallel = 32

// subtree returns root and its descendants level by level: levels[0] is
// {root}, levels[i] the nodes at depth i. Each level's children are
// listed concurrently. Nodes deleted during the walk are skipped (the
// result is not a snapshot); a missing root is an error.
func subtree(ctx context.Context, c *zk.Client, root string) ([][]string, error) {
	levels := [][]string{{root}}
	for {
		var mu sync.Mutex
		var next []string
		err := forEach(ctx, parallel, levels[len(levels)-1], func(ctx context.Context, p string) error {
			children, _, err := c.Children(ctx, p)
			if errors.Is(err, zk.ErrNoNode) && p != root {
				return nil
			}
			if err != nil {
				return err
			}
			mu.Lock()
			for _, ch := range children {
				next = append(next, join(p, ch))
			}
			mu.Unlock()
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(next) == 0 {
			return levels, nil
		}
		levels = append(levels, next)
	}
}

// forEach calls f on every item, up to n at a time, and returns the first
// error; after an error no new call starts. It returns when every call
// has returned.
func forEach(ctx context.Context, n int, items []string, f func(context.Context, string) error) error {
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, n)
	for _, item := range items {
		select {
		case sem <- struct{}{}:
		case <-inner.Done():
		}
		if inner.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f(inner, item); err != nil {
				mu.Lock()
				if first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
