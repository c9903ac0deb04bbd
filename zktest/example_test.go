package zktest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/zktest"
)

// Start a real server, put a fault proxy in front of it, cut the
// connection under a live client, then expire its session. The client
// reconnects by itself after the cut and reports the expiry.
func Example() {
	srv, err := zktest.StartServer()
	if err != nil {
		fmt.Println(err) // errors.Is(err, zktest.ErrNotInstalled) without ZooKeeper
		return
	}
	defer srv.Close()

	p, err := zktest.NewProxy(srv.Addr())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	states := make(chan zk.State, 16)
	c, err := zk.Connect(ctx, []string{p.Addr()},
		zk.WithSessionTimeout(10*time.Second),
		zk.WithStateListener(func(s zk.State) { states <- s }))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println("connected:", c.State() == zk.StateConnected)
	waitFor := func(want zk.State) {
		for {
			select {
			case s := <-states:
				if s == want {
					fmt.Println("state:", s)
					return
				}
			case <-ctx.Done():
				fmt.Println("timed out waiting for", want)
				return
			}
		}
	}
	waitFor(zk.StateConnected)

	// A cut drops the connection; the session survives it.
	id := c.SessionID()
	p.Cut()
	waitFor(zk.StateDisconnected)
	waitFor(zk.StateConnected)
	_, _, err = c.Exists(ctx, "/")
	fmt.Println("same session:", c.SessionID() == id, "exists err:", err)

	// Expiry is the server's decision; ExpireSession forces it now.
	if err := zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()); err != nil {
		fmt.Println(err)
		return
	}
	waitFor(zk.StateExpired)
	_, _, err = c.Exists(ctx, "/")
	fmt.Println("after expiry:", errors.Is(err, zk.ErrSessionExpired))
	// Output:
	// connected: true
	// state: Connected
	// state: Disconnected
	// state: Connected
	// same session: true exists err: <nil>
	// state: Expired
	// after expiry: true
}
