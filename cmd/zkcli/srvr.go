package main

import (
	"context"
	"fmt"

	"github.com/zkwire/zk/fourletter"
)

// srvrVerb asks each -server address for its srvr answer (version, mode,
// counts). It needs no session: a server that refuses sessions still
// answers the four-letter word, which is when one wants to ask.
func srvrVerb() *verb {
	return &verb{name: "srvr", args: "[-o json]", summary: "print each server's version, mode and statistics (four-letter word srvr)",
		detail:  "Asks every -server address in turn, without opening a session.",
		example: "-server h1,h2,h3 srvr", values: "o", offline: true, prepare: prepareSrvr}
}

func prepareSrvr(in *invocation) (action, error) {
	asJSON, err := in.json()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, s *session) error {
		failed := 0
		for _, addr := range s.cfg.servers {
			sv, err := fourletter.Srvr(ctx, addr)
			if err != nil {
				fmt.Fprintf(s.errOut, "%s: %v\n", addr, err)
				failed++
				continue
			}
			if asJSON {
				if err := s.printJSON(jsonServer(addr, sv)); err != nil {
					return err
				}
				continue
			}
			printServer(s, addr, sv)
		}
		if failed > 0 { // each said why above
			return fmt.Errorf("srvr: %d of %d servers did not answer", failed, len(s.cfg.servers))
		}
		return nil
	}, nil
}

func printServer(s *session, addr string, sv *fourletter.Server) {
	if len(s.cfg.servers) > 1 {
		fmt.Fprintf(s.out, "%s:\n", addr)
	}
	fmt.Fprintf(s.out, "Zookeeper version: %s\n", sv.Version.Full)
	fmt.Fprintf(s.out, "Latency min/avg/max: %d/%g/%d\n", sv.LatencyMin, sv.LatencyAvg, sv.LatencyMax)
	fmt.Fprintf(s.out, "Received: %d\nSent: %d\nConnections: %d\nOutstanding: %d\n", sv.Received, sv.Sent, sv.Connections, sv.Outstanding)
	fmt.Fprintf(s.out, "Zxid: 0x%x\nMode: %s\nNode count: %d\n", sv.Zxid, sv.Mode, sv.NodeCount)
	if sv.ProposalSizes != "" {
		fmt.Fprintf(s.out, "Proposal sizes last/min/max: %s\n", sv.ProposalSizes)
	}
}

// jsonServerInfo is srvr -o json, one object per server.
type jsonServerInfo struct {
	Server        string            `json:"server"`
	Version       string            `json:"version"`
	Revision      string            `json:"revision"`
	BuiltOn       string            `json:"builtOn"`
	Mode          string            `json:"mode"`
	ReadOnly      bool              `json:"readOnly"`
	LatencyMin    int64             `json:"latencyMin"`
	LatencyAvg    float64           `json:"latencyAvg"`
	LatencyMax    int64             `json:"latencyMax"`
	Received      int64             `json:"received"`
	Sent          int64             `json:"sent"`
	Connections   int               `json:"connections"`
	Outstanding   int64             `json:"outstanding"`
	Zxid          int64             `json:"zxid"`
	NodeCount     int64             `json:"nodeCount"`
	ProposalSizes string            `json:"proposalSizes,omitempty"`
	Other         map[string]string `json:"other,omitempty"`
}

func jsonServer(addr string, sv *fourletter.Server) jsonServerInfo {
	return jsonServerInfo{Server: addr, Version: sv.Version.Number, Revision: sv.Version.Revision, BuiltOn: sv.Version.BuiltOn,
		Mode: sv.Mode, ReadOnly: sv.ReadOnly, LatencyMin: sv.LatencyMin, LatencyAvg: sv.LatencyAvg, LatencyMax: sv.LatencyMax,
		Received: sv.Received, Sent: sv.Sent, Connections: sv.Connections, Outstanding: sv.Outstanding,
		Zxid: sv.Zxid, NodeCount: sv.NodeCount, ProposalSizes: sv.ProposalSizes, Other: sv.Other}
}
