package proto_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/zkwire/zk/proto"
)

func TestCodeIsError(t *testing.T) {
	err := fmt.Errorf("create /a: %w", proto.ErrNoNode)
	if !errors.Is(err, proto.ErrNoNode) {
		t.Fatal("errors.Is through wrapping failed")
	}
	if errors.Is(err, proto.ErrNodeExists) {
		t.Fatal("errors.Is matched another code")
	}
	var c proto.Code
	if !errors.As(fmt.Errorf("outer: %w", err), &c) || c != proto.ErrNoNode {
		t.Fatalf("errors.As recovered %v", c)
	}
	if got := proto.ErrNoNode.Error(); got != "zk: node does not exist" {
		t.Fatalf("Error() = %q", got)
	}
	// A code read off the wire compares equal to the constant.
	if wire := proto.Code(-101); !errors.Is(wire, proto.ErrNoNode) {
		t.Fatal("wire code does not match")
	}
}

func TestCodeUnknown(t *testing.T) {
	for _, n := range []int32{-9, -10, -11, -104, -109, -116, -126, 1, 42} {
		c := proto.Code(n)
		want := fmt.Sprintf("unknown error code %d", n)
		if c.String() != want || c.Error() != "zk: "+want {
			t.Errorf("Code(%d): String %q, Error %q", n, c.String(), c.Error())
		}
	}
	if s := fmt.Sprint(proto.Code(-9)); s != "zk: unknown error code -9" {
		// fmt prefers Error over String for an error value.
		t.Errorf("fmt.Sprint = %q", s)
	}
}

func TestCodeKnown(t *testing.T) {
	known := map[proto.Code]string{
		0: "ok", -1: "system error", -2: "runtime inconsistency", -4: "connection loss",
		-5: "marshalling error", -6: "unimplemented", -8: "bad arguments",
		-101: "node does not exist", -103: "bad version", -110: "node already exists",
		-112: "session expired", -121: "no such watcher", -127: "operation throttled",
	}
	for c, want := range known {
		if c.String() != want {
			t.Errorf("Code(%d) = %q, want %q", int32(c), c.String(), want)
		}
	}
	// Every code protocol.md §6.1 lists has a name.
	for _, n := range []int32{0, -1, -2, -3, -4, -5, -6, -7, -8, -12, -13, -14, -100, -101, -102, -103,
		-108, -110, -111, -112, -113, -114, -115, -118, -119, -120, -121, -122, -123, -124, -125, -127} {
		if s := proto.Code(n).String(); s == fmt.Sprintf("unknown error code %d", n) {
			t.Errorf("Code(%d) has no name", n)
		}
	}
}

func TestCodeRetryable(t *testing.T) {
	for _, c := range []proto.Code{proto.ErrConnectionLoss, proto.ErrOperationTimeout, proto.ErrThrottledOp} {
		if !c.Retryable() {
			t.Errorf("%v not retryable", c)
		}
	}
	for _, c := range []proto.Code{proto.ErrNoNode, proto.ErrSessionExpired, proto.ErrBadVersion, proto.Code(-9)} {
		if c.Retryable() {
			t.Errorf("%v retryable", c)
		}
	}
}

func TestOpString(t *testing.T) {
	cases := map[proto.Op]string{
		proto.OpCreate: "create", proto.OpGetChildren2: "getChildren2", proto.OpMulti: "multi",
		proto.OpMultiRead: "multiRead", proto.OpAddWatch: "addWatch", proto.OpWhoAmI: "whoAmI",
		proto.OpCloseSession: "closeSession", proto.OpError: "error", proto.OpPing: "ping",
		50: "op(50)", 10: "op(10)", -2: "op(-2)",
	}
	for op, want := range cases {
		if got := op.String(); got != want {
			t.Errorf("Op(%d) = %q, want %q", int32(op), got, want)
		}
	}
}

func TestEventTypeString(t *testing.T) {
	cases := map[proto.EventType]string{
		proto.EventNone: "None", proto.EventNodeCreated: "NodeCreated", proto.EventNodeDeleted: "NodeDeleted",
		proto.EventNodeDataChanged: "NodeDataChanged", proto.EventNodeChildrenChanged: "NodeChildrenChanged",
		proto.EventDataWatchRemoved: "DataWatchRemoved", proto.EventChildWatchRemoved: "ChildWatchRemoved",
		proto.EventPersistentWatchRemoved: "PersistentWatchRemoved",
		0:                                 "EventType(0)",
		8:                                 "EventType(8)",
	}
	for e, want := range cases {
		if got := e.String(); got != want {
			t.Errorf("EventType(%d) = %q, want %q", int32(e), got, want)
		}
	}
}

func TestStateString(t *testing.T) {
	cases := map[proto.State]string{
		proto.StateUnknown: "Unknown", proto.StateDisconnected: "Disconnected",
		proto.StateSyncConnected: "Connected", proto.StateAuthFailed: "AuthFailed",
		proto.StateConnectedReadOnly: "ConnectedReadOnly", proto.StateSaslAuthenticated: "SaslAuthenticated",
		proto.StateExpired: "Expired", proto.StateClosed: "Closed", proto.StateConnecting: "Connecting",
		1: "State(1)", 2: "State(2)",
	}
	for s, want := range cases {
		if got := s.String(); got != want {
			t.Errorf("State(%d) = %q, want %q", int32(s), got, want)
		}
	}
}

// The numeric values are the wire contract; pin them (protocol.md §4, §6).
func TestWireConstants(t *testing.T) {
	ops := map[proto.Op]int32{
		proto.OpNotification: 0, proto.OpCreate: 1, proto.OpDelete: 2, proto.OpExists: 3, proto.OpGetData: 4,
		proto.OpSetData: 5, proto.OpGetACL: 6, proto.OpSetACL: 7, proto.OpGetChildren: 8, proto.OpSync: 9,
		proto.OpPing: 11, proto.OpGetChildren2: 12, proto.OpCheck: 13, proto.OpMulti: 14, proto.OpCreate2: 15,
		proto.OpReconfig: 16, proto.OpCheckWatches: 17, proto.OpRemoveWatches: 18, proto.OpCreateContainer: 19,
		proto.OpDeleteContainer: 20, proto.OpCreateTTL: 21, proto.OpMultiRead: 22, proto.OpAuth: 100,
		proto.OpSetWatches: 101, proto.OpSASL: 102, proto.OpGetEphemerals: 103, proto.OpGetAllChildrenNumber: 104,
		proto.OpSetWatches2: 105, proto.OpAddWatch: 106, proto.OpWhoAmI: 107, proto.OpCreateSession: -10,
		proto.OpCloseSession: -11, proto.OpError: -1,
	}
	for op, n := range ops {
		if int32(op) != n {
			t.Errorf("%v = %d, want %d", op, int32(op), n)
		}
	}
	if proto.StateExpired != -112 || proto.StateConnectedReadOnly != 5 || proto.StateClosed != 7 {
		t.Error("state values")
	}
	if proto.WatcherChildren != 1 || proto.WatcherData != 2 || proto.WatcherAny != 3 ||
		proto.WatcherPersistent != 4 || proto.WatcherPersistentRecursive != 5 {
		t.Error("watcher types")
	}
	if proto.AddWatchPersistent != 0 || proto.AddWatchPersistentRecursive != 1 {
		t.Error("add watch modes")
	}
}
