package zk

import "github.com/zkwire/zk/conn"

// ConnectBackground is Connect without the wait: it returns at once, with
// the session being established in the background (State is
// StateConnecting until then). Calls made meanwhile wait for the session
// as calls made while disconnected do, until their context ends; servers
// are retried until Close. Only bad arguments are an error. It is for code
// written against a client that connects in the background (go-zookeeper's
// Connect; see the gozk module); new code should prefer Connect.
func ConnectBackground(servers []string, opts ...Option) (*Client, error) {
	return open(servers, opts, conn.Start)
}
