package conn

import (
	"fmt"
	"net"

	"github.com/zkwire/zk/jute"
	"github.com/zkwire/zk/proto"
)

// SASL is a SASL login, run on every connection right after the
// handshake and the credential replay, before any other request.
// Only DIGEST-MD5 is implemented (the server's DigestLoginModule in JAAS).
type SASL struct {
	// User and Password are the login (JAAS user_<User>="<Password>").
	User, Password string
	// Service and Host make the digest-uri "Service/Host"; the defaults,
	// "zookeeper" and "zk-sasl-md5", are what ZooKeeper servers expect.
	Service, Host string
}

const (
	defaultSASLService = "zookeeper"
	defaultSASLHost    = "zk-sasl-md5"
)

// saslError is a SASL login the server refused (a wrong password, an
// unknown user) or a server that could not prove it knows the password.
// The session cannot be used with its identity: like a rejected
// credential, it ends the session (StateAuthFailed). It names the user,
// never the password.
type saslError struct {
	user string
	why  string
}

func (e *saslError) Error() string {
	return fmt.Sprintf("SASL DIGEST-MD5 login as %q failed: %s", e.user, e.why)
}

// saslLogin runs the DIGEST-MD5 exchange (protocol.md §8.3) on a
// connection whose handshake is done: an empty token, the server's
// challenge, our response, the server's rspauth. SASL packets are
// requests (opcode 102) with normal xids, answered directly by the
// connection layer, so each is sent alone and answered before the next.
// Called by the session goroutine between connections, when it owns
// c.xid.
func (c *Conn) saslLogin(nc net.Conn, s *SASL) error {
	mech := &digestMD5{user: s.User, password: s.Password, digestURI: s.Service + "/" + s.Host}
	challenge, err := c.saslStep(nc, s, nil)
	if err != nil {
		return err
	}
	response, err := mech.respond(challenge)
	if err != nil {
		return &saslError{user: s.User, why: err.Error()}
	}
	final, err := c.saslStep(nc, s, response)
	if err != nil {
		return err
	}
	if err := mech.verify(final); err != nil {
		return &saslError{user: s.User, why: err.Error()}
	}
	return nil
}

// saslStep sends one token and returns the server's answer.
func (c *Conn) saslStep(nc net.Conn, s *SASL, token []byte) ([]byte, error) {
	c.xid = nextXid(c.xid)
	xid := c.xid
	b, start := jute.BeginFrame(nil)
	h := proto.RequestHeader{Xid: xid, Type: proto.OpSASL}
	b = h.AppendTo(b)
	req := proto.GetSASLRequest{Token: token}
	if req.Token == nil {
		req.Token = []byte{} // an empty token, not a null one
	}
	b = req.AppendTo(b)
	jute.EndFrame(b, start)
	if _, err := nc.Write(b); err != nil {
		return nil, err
	}
	f, err := readHandshakeFrame(nc)
	if err != nil {
		return nil, err
	}
	r := jute.NewReader(f)
	var rh proto.ReplyHeader
	rh.Decode(r)
	if r.Err() != nil || rh.Xid != xid {
		return nil, protocolErr("expected the reply to SASL packet xid %d, got % x", xid, f[:min(len(f), 32)])
	}
	switch rh.Err {
	case 0:
	case proto.ErrAuthFailed, proto.ErrSessionClosedRequireSASL:
		return nil, &saslError{user: s.User, why: "the server refused it (" + rh.Err.Error() + ")"}
	default:
		return nil, fmt.Errorf("SASL login: %w", rh.Err)
	}
	var resp proto.SetSASLResponse
	resp.Decode(r)
	if err := r.Err(); err != nil {
		return nil, protocolErr("undecodable SASL reply: %v", err)
	}
	return resp.Token, nil
}
