package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/zkwire/zk"
)

// configNode holds the ensemble's dynamic configuration.
const configNode = "/zookeeper/config"

// errChrooted: /zookeeper/quota lies outside any
// chroot, and the client prefixes every path with it.
var errChrooted = errors.New("does not work under a chroot: the node lies outside it; run zkcli without -chroot")

func prepareConfig(in *invocation) (action, error) {
	asJSON, err := in.json()
	if err != nil {
		return nil, err
	}
	clientOnly, withStat := in.has('c'), in.has('s')
	return in.watchable(func(ctx context.Context, s *session, watch bool) (*zk.Watch, error) {
		var data []byte
		var st *zk.Stat
		var w *zk.Watch
		var err error
		if watch {
			data, st, w, err = s.c.ConfigW(ctx)
		} else {
			data, st, err = s.c.Config(ctx) // reads it outside any chroot
		}
		if err != nil {
			return w, err
		}
		text := strings.TrimSuffix(string(data), "\n")
		if clientOnly {
			text = clientConfig(text)
		}
		if asJSON {
			return w, s.printJSON(struct {
				Config string    `json:"config"`
				Stat   *jsonStat `json:"stat"`
			}{text, toJSONStat(st)})
		}
		fmt.Fprintln(s.out, text)
		if withStat {
			printStat(s.out, st)
		}
		return w, nil
	}), nil
}

// clientConfig turns a dynamic configuration into what clients need, as
// zkCli's config -c does: "version host:port,host:port" over the voting
// members ("server.1=h:2888:3888:participant;0.0.0.0:2181"), a wildcard
// client address replaced by the server's host.
func clientConfig(cfg string) string {
	version := ""
	var addrs []string
	sc := bufio.NewScanner(strings.NewReader(cfg))
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		switch {
		case !ok:
		case key == "version":
			version = value
		case strings.HasPrefix(key, "server."):
			quorum, client, ok := strings.Cut(value, ";")
			if !ok || strings.HasSuffix(quorum, ":observer") {
				continue
			}
			host, port, err := net.SplitHostPort(client)
			if err != nil {
				host, port = "", client // the port alone
			}
			if host == "" || host == "0.0.0.0" || host == "::" {
				host, _, _ = strings.Cut(quorum, ":") // host:peerPort:electionPort[:role]
			}
			addrs = append(addrs, net.JoinHostPort(host, port))
		}
	}
	return version + " " + strings.Join(addrs, ",")
}
