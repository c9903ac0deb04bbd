package bench

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// errShortRead is counted when a read returns data of the wrong size.
var errShortRead = errors.New("bench: read returned the wrong data size")

func runGetSeq(rn *runner) (Result, error) { return runGet(rn) }
func runGetPar(rn *runner) (Result, error) { return runGet(rn) }

// runGet reads one node of rn.size bytes from rn.conc workers.
func runGet(rn *runner) (Result, error) {
	c, err := rn.dial(rn.cfg.Client, rn.cfg.Servers)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	root := rn.cfg.Root
	path := root + "/get-" + strconv.Itoa(rn.size)
	val := rn.value()
	if err := rn.ensure(c, val, root, path); err != nil {
		return Result{}, err
	}
	if err := c.Set(rn.ctx, path, val); err != nil {
		return Result{}, err
	}
	r := rn.drive(func(int) error {
		data, err := c.Get(rn.ctx, path)
		if err == nil && len(data) != len(val) {
			err = errShortRead
		}
		return err
	})
	return r, nil
}

// runSetPar sets a node per worker.
func runSetPar(rn *runner) (Result, error) {
	c, err := rn.dial(rn.cfg.Client, rn.cfg.Servers)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	root := rn.cfg.Root
	paths := make([]string, rn.conc)
	for i := range paths {
		paths[i] = fmt.Sprintf("%s/set/%d", root, i)
		if err := rn.ensure(c, nil, root, root+"/set", paths[i]); err != nil {
			return Result{}, err
		}
	}
	val := rn.value()
	return rn.drive(func(w int) error { return c.Set(rn.ctx, paths[w], val) }), nil
}

// runCreateDel creates and deletes one node per worker, over and over:
// one operation is one create+delete pair.
func runCreateDel(rn *runner) (Result, error) {
	c, err := rn.dial(rn.cfg.Client, rn.cfg.Servers)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	root := rn.cfg.Root
	if err := rn.ensure(c, nil, root, root+"/cd"); err != nil {
		return Result{}, err
	}
	// A tag of this run, so that nodes a killed run left behind are not in
	// the way.
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	paths := make([]string, rn.conc)
	for i := range paths {
		paths[i] = fmt.Sprintf("%s/cd/%s-%d", root, tag, i)
	}
	val := rn.value()
	return rn.drive(func(w int) error {
		if err := c.Create(rn.ctx, paths[w], val); err != nil {
			return err
		}
		return c.Delete(rn.ctx, paths[w])
	}), nil
}

// multiOps is how many setData one multi carries.
const multiOps = 10

// runMulti sets the same ten nodes in one multi from every worker.
func runMulti(rn *runner) (Result, error) {
	c, err := rn.dial(rn.cfg.Client, rn.cfg.Servers)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	root := rn.cfg.Root
	paths := make([]string, multiOps)
	for i := range paths {
		paths[i] = fmt.Sprintf("%s/multi/%d", root, i)
		if err := rn.ensure(c, nil, root, root+"/multi", paths[i]); err != nil {
			return Result{}, err
		}
	}
	val := rn.value()
	return rn.drive(func(int) error { return c.MultiSet(rn.ctx, paths, val) }), nil
}
