package proto_test

import (
	"errors"
	"fmt"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// Build the frame of a getData request as a client sends it, then decode
// the frame of its reply as the server would send it.
func Example() {
	// Client side: length prefix, header, record.
	req := &proto.GetDataRequest{Path: "/app/config", Watch: true}
	frame, start := jute.BeginFrame(nil)
	frame = (&proto.RequestHeader{Xid: 1, Type: proto.OpGetData}).AppendTo(frame)
	frame = req.AppendTo(frame)
	jute.EndFrame(frame, start)
	fmt.Printf("request: % x\n", frame)

	// Server side, as a fake server would answer with the same codec.
	reply, start := jute.BeginFrame(nil)
	reply = (&proto.ReplyHeader{Xid: 1, Zxid: 0x20}).AppendTo(reply)
	reply = (&proto.GetDataResponse{Data: []byte("v1"), Stat: proto.Stat{Version: 3, DataLength: 2}}).AppendTo(reply)
	jute.EndFrame(reply, start)

	// Client side again: skip the length, read the header, then the body
	// record NewResponse chooses for the opcode.
	r := jute.NewReader(reply[4:])
	var hdr proto.ReplyHeader
	hdr.Decode(r)
	resp := proto.NewResponse(proto.OpGetData)
	if hdr.Err == proto.ErrOK {
		resp.Decode(r)
	}
	if err := r.Err(); err != nil {
		fmt.Println("decode:", err)
		return
	}
	got := resp.(*proto.GetDataResponse)
	fmt.Printf("reply: xid=%d zxid=%#x data=%q version=%d\n", hdr.Xid, hdr.Zxid, got.Data, got.Stat.Version)
	// Output:
	// request: 00 00 00 18 00 00 00 01 00 00 00 04 00 00 00 0b 2f 61 70 70 2f 63 6f 6e 66 69 67 01
	// reply: xid=1 zxid=0x20 data="v1" version=3
}

// A Code is an error: it survives wrapping, and errors.As recovers it.
func ExampleCode() {
	err := fmt.Errorf("get /app: %w", proto.ErrNoNode)
	fmt.Println(err)
	fmt.Println(errors.Is(err, proto.ErrNoNode), errors.Is(err, proto.ErrNodeExists))

	var code proto.Code
	if errors.As(err, &code) {
		fmt.Println(int32(code), code.Retryable())
	}
	fmt.Println(proto.Code(-999))
	fmt.Println(proto.ErrConnectionLoss.Retryable())
	// Output:
	// get /app: zk: node does not exist
	// true false
	// -101 false
	// zk: unknown error code -999
	// true
}

// Marshal and Unmarshal handle a record on its own. Decoding is bounded
// by the input: a truncated record is an error, never a panic.
func ExampleUnmarshal() {
	b := proto.Marshal(&proto.SetDataRequest{Path: "/a", Data: []byte("xyz"), Version: -1})

	var req proto.SetDataRequest
	fmt.Println(proto.Unmarshal(b, &req), req.Path, string(req.Data), req.Version)
	fmt.Println(proto.Unmarshal(b[:7], &req))
	// Output:
	// <nil> /a xyz -1
	// jute: input too short
}
