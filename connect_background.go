package zk

import (
	"github.com/zkwire/zk/conn"
	"github.com/zkwire/zk/watchmgr"
)

// ConnectBackground is Connect without the wait: it returns at once, with
// the session being established in the background (State is
// StateConnecting until then). Calls made meanwhile wait for the session
// as calls made while disconnected do, until their context ends; servers
// are retried until Close. Only bad arguments are an error. It is for code
// written against a client that connects in the background (go-zookeeper's
// Connect; see the gozk module); new code should prefer Connect.
func ConnectBackground(servers []string, opts ...Option) (*Client, error) {
	c := &Client{changed: make(chan struct{})}
	for _, o := range opts {
		o(&c.cfg)
	}
	if c.cfg.chroot != "" && c.cfg.chroot != "/" {
		if err := ValidatePath(c.cfg.chroot, false); err != nil {
			return nil, opErr("connect", c.cfg.chroot, err)
		}
		c.chroot = conn.Chroot(c.cfg.chroot)
	}
	if len(servers) == 0 {
		return nil, opErr("connect", "", invalid("no servers"))
	}
	c.wm = watchmgr.New(watchmgr.Config{Buffer: c.cfg.watchBuffer, Remove: c.removeServerWatch})
	c.states = newStateLoop(c.cfg.stateListeners)
	cc := c.cfg.conn
	cc.Servers = append([]string(nil), servers...)
	cc.Chroot = string(c.chroot)
	cc.Events = sink{c}
	cc.Watches = sink{c}
	cn, err := conn.Start(cc)
	if err != nil {
		c.states.stop()
		return nil, opErr("connect", "", err)
	}
	c.conn = cn
	return c, nil
}
