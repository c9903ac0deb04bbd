package fourletter

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Conn is one client connection as cons (full) or stat (short) lists it:
//
//	/127.0.0.1:42244[1](queued=0,recved=5,sent=5,sid=0x100000cd1290002,lop=GETC,est=1796335230970,to=8000,lcxid=0x4,lzxid=0x6,lresp=840152,llat=0,minlat=0,avglat=0,maxlat=2)
//
// A connection without a session yet (the asking one) has only the packet
// counts.
type Conn struct {
	Addr     string // the client's "ip:port"
	Interest int    // the selector interest ops in brackets (NIO)
	Queued   int64  // requests queued
	Received int64  // packets received
	Sent     int64  // packets sent
	// The rest only in cons, and only once the connection has a session.
	SessionID int64
	LastOp    string // "GETD", "CREA", ... ("NA" before any)
	Timeout   int64  // negotiated session timeout, ms
	// Fields holds every key=value in the parentheses as written, the
	// ones above included (est, lcxid, lzxid, lresp, llat, minlat, avglat,
	// maxlat, ...).
	Fields map[string]string
}

// Cons sends cons to addr and returns its connections, the asking one
// included.
func Cons(ctx context.Context, addr string) ([]Conn, error) {
	ans, err := get(ctx, addr, "cons")
	if err != nil {
		return nil, err
	}
	return ParseCons(ans)
}

// ParseCons parses a cons answer: one connection a line.
func ParseCons(ans string) ([]Conn, error) {
	if strings.TrimSpace(ans) == notServing {
		return nil, ErrNotServing
	}
	var out []Conn
	for _, line := range strings.Split(ans, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		c, err := ParseConn(line)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// ParseConn parses one connection line of cons or stat.
func ParseConn(line string) (Conn, error) {
	s := strings.TrimSpace(line)
	bad := func(why string) (Conn, error) {
		return Conn{}, fmt.Errorf("%w: connection line %q: %s", ErrUnexpected, line, why)
	}
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return bad("no (...)")
	}
	head, body := s[:open], s[open+1:len(s)-1]
	c := Conn{Fields: map[string]string{}}
	if lb := strings.LastIndexByte(head, '['); lb >= 0 && strings.HasSuffix(head, "]") {
		n, err := strconv.Atoi(head[lb+1 : len(head)-1])
		if err != nil {
			return bad("interest ops")
		}
		c.Interest, head = n, head[:lb]
	}
	// InetSocketAddress prints "hostname/ip:port", or "/ip:port" without
	// a hostname.
	if i := strings.LastIndexByte(head, '/'); i >= 0 {
		head = head[i+1:]
	}
	if head == "" {
		return bad("no address")
	}
	c.Addr = head
	for _, kv := range strings.Split(body, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return bad("field " + kv)
		}
		c.Fields[k] = v
	}
	var err error
	num := func(k string) int64 {
		v, ok := c.Fields[k]
		if !ok || err != nil {
			return 0
		}
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil {
			err = fmt.Errorf("field %s=%s", k, v)
		}
		return n
	}
	c.Queued, c.Received, c.Sent, c.Timeout = num("queued"), num("recved"), num("sent"), num("to")
	if v, ok := c.Fields["sid"]; ok && err == nil {
		if c.SessionID, err = parseHex(v); err != nil {
			err = fmt.Errorf("field sid=%s", v)
		}
	}
	c.LastOp = c.Fields["lop"]
	if err != nil {
		return bad(err.Error())
	}
	return c, nil
}
