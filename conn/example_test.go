package conn

// The examples are in package conn itself so that they can use the
// server the package's TestMain starts (srv); outside this package the
// names are qualified: conn.Dial, conn.Call, conn.Config.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zkwire/zk/proto"
)

// Pipeline raw records: Submit queues each call and returns at once, the
// writer sends everything queued in one write, and the replies complete
// the calls in the order they were sent.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, Config{Servers: []string{srv.Addr()}, SessionTimeout: 10 * time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	open := []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "world", ID: "anyone"}}}
	create := &Call{Op: proto.OpCreate,
		Req:  &proto.CreateRequest{Path: "/example-conn", Data: []byte("hello"), ACL: open, Flags: proto.ModePersistent},
		Resp: &proto.CreateResponse{}}
	get := &Call{Op: proto.OpGetData,
		Req:  &proto.GetDataRequest{Path: "/example-conn"},
		Resp: &proto.GetDataResponse{}}
	missing := &Call{Op: proto.OpGetData,
		Req:  &proto.GetDataRequest{Path: "/example-conn/missing"},
		Resp: &proto.GetDataResponse{}}
	del := &Call{Op: proto.OpDelete, Req: &proto.DeleteRequest{Path: "/example-conn", Version: -1}}

	calls := []*Call{create, get, missing, del}
	for _, call := range calls {
		if err := c.Submit(call); err != nil {
			fmt.Println("submit:", err)
			return
		}
	}
	for _, call := range calls {
		c.Wait(ctx, call) // the same error is in call.Err
	}
	fmt.Println("create:", create.Resp.(*proto.CreateResponse).Path, create.Err)
	fmt.Printf("get: %q %v\n", get.Resp.(*proto.GetDataResponse).Data, get.Err)
	fmt.Println("missing:", missing.Err, errors.Is(missing.Err, proto.ErrNoNode))
	fmt.Println("delete:", del.Err)
	fmt.Println("zxids increase:", create.Zxid < del.Zxid)
	// Output:
	// create: /example-conn <nil>
	// get: "hello" <nil>
	// missing: zk: node does not exist true
	// delete: <nil>
	// zxids increase: true
}

// OnReply runs on the receive loop right after a reply is decoded, before
// the next frame is read: the place to act on a reply in wire order
// without a goroutine per call. It must not block.
func ExampleCall_onReply() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, Config{Servers: []string{srv.Addr()}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	replies := make(chan string, 3)
	var calls []*Call
	for _, p := range []string{"/", "/zookeeper", "/example-conn-none"} {
		call := &Call{Op: proto.OpExists,
			Req:  &proto.ExistsRequest{Path: p},
			Resp: &proto.ExistsResponse{},
			OnReply: func(call *Call) {
				replies <- fmt.Sprintf("%s: %v", call.Req.(*proto.ExistsRequest).Path, call.Err)
			}}
		if err := c.Submit(call); err != nil {
			fmt.Println(err)
			return
		}
		calls = append(calls, call)
	}
	for range calls {
		fmt.Println(<-replies)
	}
	// Output:
	// /: <nil>
	// /zookeeper: <nil>
	// /example-conn-none: zk: node does not exist
}

// A call that never reached the wire is safe to send again; one that was
// written before the connection dropped may have been applied.
func ExampleSafeToRetry() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, Config{Servers: []string{srv.Addr()}})
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Close()

	err = c.Submit(&Call{Op: proto.OpSync, Req: &proto.SyncRequest{Path: "/"}, Resp: &proto.SyncResponse{}})
	fmt.Println(err, errors.Is(err, ErrClosed), SafeToRetry(err))
	fmt.Println(SafeToRetry(proto.ErrNodeExists))
	// Output:
	// zk: client closed true true
	// false
}
