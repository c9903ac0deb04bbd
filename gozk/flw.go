package zk

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// errNoMatch is go-zookeeper's text for output it cannot parse.
var errNoMatch = fmt.Errorf("unable to parse fields from zookeeper response (no regex matches)")

// buildTimeLayouts are the "built on" dates of srvr: before 3.8
// ("02/20/2014 09:09 GMT") and from 3.8 on ("2024-12-29 17:54 UTC").
// go-zookeeper v1.0.4 only parses the first.
var buildTimeLayouts = []string{"01/02/2006 15:04 MST", "2006-01-02 15:04 MST"}

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

// parseSrvr reads the "Key: value" lines of a srvr answer.
func parseSrvr(resp []byte) (*ServerStats, error) {
	fields := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(resp))
	for sc.Scan() {
		if k, v, found := strings.Cut(sc.Text(), ": "); found {
			fields[k] = strings.TrimSpace(v)
		}
	}
	for _, k := range []string{"Zookeeper version", "Latency min/avg/max", "Received", "Sent",
		"Connections", "Outstanding", "Zxid", "Mode", "Node count"} {
		if _, found := fields[k]; !found {
			return nil, errNoMatch
		}
	}
	st := &ServerStats{}
	version, built, found := strings.Cut(fields["Zookeeper version"], ", built on ")
	if !found {
		return nil, errNoMatch
	}
	st.Version = version
	var err error
	for _, layout := range buildTimeLayouts {
		if st.BuildTime, err = time.Parse(layout, built); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	lat := strings.Split(fields["Latency min/avg/max"], "/")
	if len(lat) != 3 {
		return nil, errNoMatch
	}
	ints := []struct {
		s   string
		dst *int64
	}{
		{lat[0], &st.MinLatency}, {lat[2], &st.MaxLatency},
		{fields["Received"], &st.Received}, {fields["Sent"], &st.Sent},
		{fields["Connections"], &st.Connections}, {fields["Outstanding"], &st.Outstanding},
		{fields["Node count"], &st.NodeCount},
	}
	for _, f := range ints {
		if *f.dst, err = strconv.ParseInt(f.s, 10, 64); err != nil {
			return nil, errNoMatch
		}
	}
	if st.AvgLatency, err = strconv.ParseFloat(lat[1], 64); err != nil {
		return nil, errNoMatch
	}
	zxid, err := strconv.ParseInt(fields["Zxid"], 0, 64)
	if err != nil {
		return nil, err
	}
	// A zxid is the leader epoch (high 32 bits) and a counter.
	st.Epoch, st.Counter = int32(zxid>>32), int32(zxid&0xFFFFFFFF)
	switch fields["Mode"] {
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
// closes the connection.
func fourLetterWord(server, command string, timeout time.Duration) ([]byte, error) {
	conn, err := net.DialTimeout("tcp", server, timeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write([]byte(command)); err != nil {
		return nil, err
	}
	return io.ReadAll(conn)
}
