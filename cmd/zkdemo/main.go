package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

func main() {
	server := flag.String("server", "", "host:port of a running ZooKeeper (default: start a local one)")
	flag.Parse()
	if err := run(*server); err != nil {
		log.Fatal(err)
	}
}

func run(addr string) error {
	if addr == "" {
		fmt.Println("starting a local ZooKeeper server ...")
		srv, err := zktest.StartServer()
		if err != nil {
			return err
		}
		defer srv.Close()
		addr = srv.Addr()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	c, err := zk.Connect(ctx, []string{addr}, zk.WithSessionTimeout(10*time.Second),
		zk.WithStateListener(func(s zk.State) { fmt.Println("  state:", s) }))
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Printf("connected to %s, session 0x%x (timeout %v)\n", addr, c.SessionID(), c.SessionTimeout())

	root := fmt.Sprintf("/zkdemo-%d", os.Getpid())
	if _, err := c.Create(ctx, root, []byte("hello"), zk.Persistent, zk.WorldACL(zk.PermAll)); err != nil {
		return err
	}
	defer deleteAll(ctx, c, root)
	data, stat, err := c.Get(ctx, root)
	if err != nil {
		return err
	}
	fmt.Printf("created %s = %q (version %d)\n", root, data, stat.Version)

	// A persistent recursive watch sees everything below root.
	w, err := c.AddWatch(ctx, root, zk.KindPersistentRecursive)
	if err != nil {
		return err
	}
	defer w.Stop()

	// A continuous watch reports each new state of the node.
	updates, err := zk.WatchData(ctx, c, root)
	if err != nil {
		return err
	}
	fmt.Printf("watching %s: initial %q\n", root, (<-updates).Data)

	for i := 1; i <= 3; i++ {
		name, err := c.Create(ctx, root+"/item-", []byte(fmt.Sprint(i)), zk.PersistentSequential, zk.WorldACL(zk.PermAll))
		if err != nil {
			return err
		}
		fmt.Println("created", name)
	}
	if _, err := c.Set(ctx, root, []byte("world"), -1); err != nil {
		return err
	}
	u := <-updates
	fmt.Printf("data watch: %s is now %q (version %d)\n", root, u.Data, u.Stat.Version)
	for i := 0; i < 4; i++ {
		ev := <-w.Events()
		fmt.Println("recursive watch:", ev.Type, ev.Path)
	}

	// Transactions are all-or-nothing; the error names the failing op.
	_, err = c.Multi(ctx,
		zk.SetOp(root, []byte("x"), -1),
		zk.CreateOp(root+"/item-0000000000", nil, zk.Persistent, zk.WorldACL(zk.PermAll)))
	fmt.Println("multi with a clashing create:", err)

	fmt.Println("registrations:")
	for _, r := range c.Watches() {
		fmt.Printf("  %-28s %-20s watchers=%d on-server=%v\n", r.Path, r.Kind, r.Watchers, r.Server)
	}
	return nil
}

func deleteAll(ctx context.Context, c *zk.Client, p string) {
	children, _, _ := c.Children(ctx, p)
	for _, ch := range children {
		deleteAll(ctx, c, p+"/"+ch)
	}
	_ = c.Delete(ctx, p, -1)
}
