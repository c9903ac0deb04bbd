package zk

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zkwire/zk/fourletter"
)

// errNoMatch is go-zookeeper's text for output it cannot parse.
var errNoMatch = fmt.Errorf("unable to parse fields from zookeeper response (no regex matches)")

// FLWSrvr is a FourLetterWord helper function. In particular, this function pulls the srvr output
// from the zookeeper instances and parses the output. A slice of *ServerStats structs are returned
// as well as a boolean value to indicate whether this function processed successfully.
//
// If the boolean value is false there was a problem. If the *ServerStats slice is empty or nil,
// then the error happened before we started to obtain 'srvr' values. Otherwise, one of the
// servers had an issue and the "Error" value in the struct should be inspected to determine
// which server had the issue.
func FLWSrvr(servers []string, timeout time.Duration) ([]*ServerStats, bool) {
	servers = FormatServers(servers)
	out := make([]*ServerStats, len(servers))
	ok := true
	for i, s := range servers {
		resp, err := fourLetterWord(s, "srvr", timeout)
		if err == nil {
			out[i], err = parseSrvr(resp)
		}
		if err != nil {
			out[i] = &ServerStats{Error: err}
			ok = false
		}
		out[i].Server = s
	}
	return out, ok
}

// parseSrvr reads a srvr answer with package fourletter's parser, into
// go-zookeeper's ServerStats; like go-zookeeper, it fails with errNoMatch
// when a line it needs is missing, and on a build date it cannot read.
func parseSrvr(resp []byte) (*ServerStats, error) {
	for _, k := range []string{"Zookeeper version: ", "Latency min/avg/max: ", "Received: ", "Sent: ",
		"Connections: ", "Outstanding: ", "Zxid: ", "Mode: ", "Node count: "} {
		if !bytes.Contains(resp, []byte(k)) {
			return nil, errNoMatch
		}
	}
	srv, err := fourletter.ParseSrvr(string(resp))
	if err != nil {
		return nil, errNoMatch
	}
	version, _, found := strings.Cut(srv.Version.Full, ", built on ")
	if !found {
		return nil, errNoMatch
	}
	st := &ServerStats{
		Version:     version,
		BuildTime:   srv.Version.Built,
		MinLatency:  srv.LatencyMin,
		AvgLatency:  srv.LatencyAvg,
		MaxLatency:  srv.LatencyMax,
		Received:    srv.Received,
		Sent:        srv.Sent,
		Connections: int64(srv.Connections),
		Outstanding: srv.Outstanding,
		NodeCount:   srv.NodeCount,
		// A zxid is the leader epoch (high 32 bits) and a counter.
		Epoch:   int32(srv.Zxid >> 32),
		Counter: int32(srv.Zxid & 0xFFFFFFFF),
	}
	if st.BuildTime.IsZero() {
		return nil, fmt.Errorf("unable to parse build time %q", srv.Version.BuiltOn)
	}
	switch srv.Mode {
	case "leader":
		st.Mode = ModeLeader
	case "follower":
		st.Mode = ModeFollower
	case "standalone":
		st.Mode = ModeStandalone
	default:
		st.Mode = ModeUnknown
	}
	return st, nil
}

// FLWRuok is a FourLetterWord helper function. In particular, this function
// pulls the ruok output from each server.
func FLWRuok(servers []string, timeout time.Duration) []bool {
	servers = FormatServers(servers)
	oks := make([]bool, len(servers))
	for i, s := range servers {
		resp, err := fourLetterWord(s, "ruok", timeout)
		oks[i] = err == nil && bytes.HasPrefix(resp, []byte("imok"))
	}
	return oks
}

// FLWCons is a FourLetterWord helper function. In particular, this function
// pulls the cons output from each server.
//
// As with FLWSrvr, the boolean value indicates whether one of the requests had
// an issue. The Clients struct has an Error value that can be checked.
func FLWCons(servers []string, timeout time.Duration) ([]*ServerClients, bool) {
	servers = FormatServers(servers)
	out := make([]*ServerClients, len(servers))
	ok := true
	for i, s := range servers {
		resp, err := fourLetterWord(s, "cons", timeout)
		if err != nil {
			out[i] = &ServerClients{Error: err}
			ok = false
			continue
		}
		sc := &ServerClients{}
		lines := bufio.NewScanner(bytes.NewReader(resp))
		for lines.Scan() {
			line := lines.Text()
			if strings.TrimSpace(line) == "" {
				continue
			}
			cl, err := parseConsLine(line)
			if err != nil {
				sc.Error = err
				ok = false
				continue
			}
			sc.Clients = append(sc.Clients, cl)
		}
		out[i] = sc
	}
	return out, ok
}

// parseConsLine reads one cons line:
// " /10.42.45.231:45361[1](queued=0,recved=9435,...,maxlat=17)".
func parseConsLine(line string) (*ServerClient, error) {
	line = strings.TrimSpace(line)
	open, end := strings.Index(line, "("), strings.LastIndex(line, ")")
	bracket := strings.Index(line, "[")
	if !strings.HasPrefix(line, "/") || open < 0 || end < open || bracket < 0 || bracket > open {
		return nil, errNoMatch
	}
	kv := map[string]string{}
	for _, part := range strings.Split(line[open+1:end], ",") {
		if k, v, found := strings.Cut(part, "="); found {
			kv[k] = v
		}
	}
	num := func(k string) (int64, bool) {
		v, found := kv[k]
		if !found {
			return 0, false
		}
		var n int64
		var err error
		if strings.HasPrefix(v, "0x") {
			var u uint64
			u, err = strconv.ParseUint(v[2:], 16, 64) // 0xffffffffffffffff is -1
			n = int64(u)
		} else {
			n, err = strconv.ParseInt(v, 10, 64)
		}
		return n, err == nil
	}
	cl := &ServerClient{Addr: line[1:bracket], LastOperation: kv["lop"]}
	var vals [13]int64
	for i, k := range []string{"queued", "recved", "sent", "sid", "est", "to", "lcxid", "lzxid",
		"lresp", "llat", "minlat", "avglat", "maxlat"} {
		n, found := num(k)
		if !found {
			return nil, errNoMatch
		}
		vals[i] = n
	}
	cl.Queued, cl.Received, cl.Sent, cl.SessionID = vals[0], vals[1], vals[2], vals[3]
	// go-zookeeper reads est and lresp (milliseconds) as seconds; kept so
	// that values compare equal to its.
	cl.Established, cl.Timeout = time.Unix(vals[4], 0), int32(vals[5])
	cl.Lcxid, cl.Lzxid, cl.LastResponse = vals[6], vals[7], time.Unix(vals[8], 0)
	cl.LastLatency, cl.MinLatency = int32(vals[9]), int32(vals[10])
	cl.AvgLatency, cl.MaxLatency = int32(vals[11]), int32(vals[12])
	return cl, nil
}

// fourLetterWord sends command and reads the answer until the server
// closes the connection (package fourletter, bounded by timeout).
func fourLetterWord(server, command string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ans, err := fourletter.Raw(ctx, server, command)
	if err != nil {
		return nil, err
	}
	return []byte(ans), nil
}
