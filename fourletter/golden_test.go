package fourletter_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/zkwire/zk/fourletter"
)

// The golden answers under testdata/3.8 are the Debian 3.8.0 server's,
// captured by TestCapture: a standalone server with three sessions (the
// setup one, a and b; a and b hold an ephemeral node and data watches, a
// also a persistent recursive watch), and a 3-server ensemble's leader
// (the same scene) and a follower.

func golden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "3.8", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const (
	sessSetup int64 = 0x100000d114c0000
	sessA     int64 = 0x100000d114c0001
	sessB     int64 = 0x100000d114c0002
)

func TestGoldenSrvr(t *testing.T) {
	for _, tc := range []struct {
		file, mode, proposals string
		zxid                  int64
	}{
		{"srvr", "standalone", "", 0x6},
		{"srvr-leader", "leader", "104/48/104", 0x100000006},
		{"srvr-follower", "follower", "", 0x100000006},
	} {
		s, err := fourletter.ParseSrvr(golden(t, tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if s.Mode != tc.mode || s.Zxid != tc.zxid || s.ProposalSizes != tc.proposals || s.NodeCount != 8 || s.Other != nil {
			t.Errorf("%s: %+v", tc.file, s)
		}
		if s.Version.Number != "3.8.0" || s.Version.Revision != "${mvngit.commit.id}" ||
			!s.Version.Built.Equal(time.Date(2024, 12, 29, 17, 54, 0, 0, time.UTC)) || !s.Version.AtLeast(3, 6) || s.Version.AtLeast(3, 9) {
			t.Errorf("%s: version %+v", tc.file, s.Version)
		}
	}
	s, _ := fourletter.ParseSrvr(golden(t, "srvr"))
	if s.LatencyMin != 0 || s.LatencyAvg != 5.3077 || s.LatencyMax != 41 || s.Received != 19 || s.Sent != 19 ||
		s.Connections != 4 || s.Outstanding != 0 {
		t.Errorf("srvr: %+v", s)
	}
}

func TestGoldenStat(t *testing.T) {
	st, err := fourletter.ParseStat(golden(t, "stat"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode != "standalone" || len(st.Clients) != st.Connections {
		t.Fatalf("stat: %+v", st)
	}
	// stat's connection lines are short: address and counts, no session.
	for _, c := range st.Clients {
		if c.Addr == "" || c.SessionID != 0 || c.Fields["sid"] != "" || len(c.Fields) != 3 {
			t.Errorf("stat client %+v", c)
		}
	}
	// The asking connection: selector interest 0, one packet in, none out.
	if !slices.ContainsFunc(st.Clients, func(c fourletter.Conn) bool { return c.Interest == 0 && c.Received == 1 && c.Sent == 0 }) {
		t.Errorf("no asking connection in %+v", st.Clients)
	}
	for _, f := range []string{"stat-leader", "stat-follower"} {
		st, err := fourletter.ParseStat(golden(t, f))
		if err != nil || len(st.Clients) != st.Connections {
			t.Errorf("%s: %+v, %v", f, st, err)
		}
	}
}

func TestGoldenCons(t *testing.T) {
	conns, err := fourletter.ParseCons(golden(t, "cons"))
	if err != nil {
		t.Fatal(err)
	}
	bySession := map[int64]fourletter.Conn{}
	for _, c := range conns {
		bySession[c.SessionID] = c
	}
	if len(conns) != 4 || len(bySession) != 4 {
		t.Fatalf("cons: %+v", conns)
	}
	a := bySession[sessA]
	if a.Addr != "127.0.0.1:54766" || a.Interest != 1 || a.LastOp != "ADDW" || a.Timeout != 8000 ||
		a.Received != 6 || a.Sent != 7 || a.Fields["lzxid"] != "0x4" || a.Fields["maxlat"] != "3" {
		t.Errorf("session a: %+v", a)
	}
	if bySession[sessB].LastOp != "GETC" || bySession[sessSetup].LastOp != "CREA" {
		t.Errorf("cons: %+v", conns)
	}
	if asker := bySession[0]; asker.Received != 1 || len(asker.Fields) != 3 {
		t.Errorf("asking connection: %+v", asker)
	}
	leader, err := fourletter.ParseCons(golden(t, "cons-leader"))
	if err != nil || len(leader) != 4 {
		t.Errorf("cons-leader: %+v, %v", leader, err)
	}
}

func TestGoldenWatches(t *testing.T) {
	sum, err := fourletter.ParseWchs(golden(t, "wchs"))
	if err != nil || *sum != (fourletter.WatchSummary{Connections: 2, Paths: 5, Watches: 5}) {
		t.Fatalf("wchs: %+v, %v", sum, err)
	}
	byS, err := fourletter.ParseWchc(golden(t, "wchc"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64][]string{
		sessA: {"/TestCapture-1", "/TestCapture-1/missing-a", "/TestCapture-1/eph-a"},
		sessB: {"/TestCapture-1/missing-b", "/TestCapture-1/eph-b"},
	}
	if !reflect.DeepEqual(byS, want) {
		t.Fatalf("wchc = %v, want %v", byS, want)
	}
	byP, err := fourletter.ParseWchp(golden(t, "wchp"))
	if err != nil {
		t.Fatal(err)
	}
	// wchp is wchc turned inside out.
	inv := map[string][]int64{}
	for id, paths := range byS {
		for _, p := range paths {
			inv[p] = append(inv[p], id)
		}
	}
	if !reflect.DeepEqual(byP, inv) {
		t.Fatalf("wchp = %v, want %v", byP, inv)
	}
	n := 0
	for _, ids := range byP {
		n += len(ids)
	}
	if n != sum.Watches || len(byP) != sum.Paths || len(byS) != sum.Connections {
		t.Errorf("wchs %+v disagrees with wchp %v", sum, byP)
	}
}

func TestGoldenMntr(t *testing.T) {
	m, err := fourletter.ParseMntr(golden(t, "mntr"))
	if err != nil {
		t.Fatal(err)
	}
	if m["zk_server_state"] != "standalone" || len(m) != 495 {
		t.Errorf("mntr: state %q, %d metrics", m["zk_server_state"], len(m))
	}
	if n, err := m.Int("zk_ephemerals_count"); err != nil || n != 2 {
		t.Errorf("zk_ephemerals_count = %d, %v", n, err)
	}
	if f, err := m.Float("zk_avg_latency"); err != nil || f != 5.3077 {
		t.Errorf("zk_avg_latency = %v, %v", f, err)
	}
	if _, err := m.Int("zk_avg_latency"); err == nil {
		t.Error("Int accepted a float metric")
	}
	if _, err := m.Int("zk_no_such"); err == nil {
		t.Error("Int accepted a missing metric")
	}
	if v, err := m.Version(); err != nil || v.Number != "3.8.0" {
		t.Errorf("Version = %+v, %v", v, err)
	}
	l, err := fourletter.ParseMntr(golden(t, "mntr-leader"))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := l.Int("zk_synced_followers"); err != nil || n != 2 || l["zk_server_state"] != "leader" {
		t.Errorf("leader: synced followers %d, %v, state %q", n, err, l["zk_server_state"])
	}
	f, err := fourletter.ParseMntr(golden(t, "mntr-follower"))
	if err != nil || f["zk_server_state"] != "follower" || f["zk_peer_state"] != "following - broadcast" {
		t.Errorf("follower: %q %q, %v", f["zk_server_state"], f["zk_peer_state"], err)
	}
}

func TestGoldenConf(t *testing.T) {
	c, err := fourletter.ParseConf(golden(t, "conf"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Values["tickTime"] != "2000" || c.Values["serverId"] != "0" || c.Members != nil || c.MembershipVersion != 0 {
		t.Errorf("conf: %+v", c)
	}
	l, err := fourletter.ParseConf(golden(t, "conf-leader"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Members) != 3 || l.Values["initLimit"] != "10" || l.Values["membership:"] != "" {
		t.Errorf("conf-leader: %+v", l)
	}
	for i, m := range l.Members {
		if want := "server." + string(rune('1'+i)) + "=127.0.0.1:"; len(m) < len(want) || m[:len(want)] != want {
			t.Errorf("member %d: %q", i, m)
		}
	}
}

func TestGoldenEnvi(t *testing.T) {
	env, err := fourletter.ParseEnvi(golden(t, "envi"))
	if err != nil {
		t.Fatal(err)
	}
	if env["java.version"] != "17.0.15" || env["os.name"] != "Linux" {
		t.Errorf("envi: %v", env)
	}
	if v, err := fourletter.ParseVersion(env["zookeeper.version"]); err != nil || v.Number != "3.8.0" {
		t.Errorf("zookeeper.version %+v, %v", v, err)
	}
}

func TestGoldenDump(t *testing.T) {
	d, err := fourletter.ParseDump(golden(t, "dump"))
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(d.Sessions, []int64{sessSetup, sessA, sessB}) || len(d.Expiry) != 3 || len(d.Timeouts) != 0 {
		t.Errorf("sessions %x, expiry %v, timeouts %v", d.Sessions, d.Expiry, d.Timeouts)
	}
	if want := time.Date(2026, 12, 3, 22, 0, 56, 0, time.UTC); !d.Expiry[sessA].Equal(want) {
		t.Errorf("expiry of a: %v, want %v", d.Expiry[sessA], want)
	}
	wantEph := map[int64][]string{sessA: {"/TestCapture-1/eph-a"}, sessB: {"/TestCapture-1/eph-b"}}
	if !reflect.DeepEqual(d.Ephemerals, wantEph) {
		t.Errorf("ephemerals %v", d.Ephemerals)
	}
	if len(d.Connections) != 4 || !slices.ContainsFunc(d.Connections, func(c fourletter.DumpConn) bool {
		return c.SessionID == sessA && c.Addr == "127.0.0.1:54766"
	}) {
		t.Errorf("connections %+v", d.Connections)
	}
	// A follower lists global sessions with their timeouts.
	f, err := fourletter.ParseDump(golden(t, "dump-follower"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Sessions) != 3 || len(f.Timeouts) != 3 || len(f.Expiry) != 0 || len(f.Ephemerals) != 2 || len(f.Connections) != 1 {
		t.Errorf("follower dump %+v", f)
	}
	for id, to := range f.Timeouts {
		if to != 8*time.Second {
			t.Errorf("timeout of %x: %v", id, to)
		}
	}
}

func TestGoldenSimple(t *testing.T) {
	if ro, err := fourletter.ParseIsro(golden(t, "isro")); err != nil || ro {
		t.Errorf("isro = %v, %v", ro, err)
	}
	if golden(t, "ruok") != "imok" {
		t.Errorf("ruok = %q", golden(t, "ruok"))
	}
}

func sameSet(a, b []int64) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// Every parser turns the whitelist refusal and "not serving" into errors,
// never into an empty result.
func TestRefusalsAndNotServing(t *testing.T) {
	const refusal = "wchc is not executed because it is not in the whitelist.\n"
	const notServing = "This ZooKeeper instance is not currently serving requests\n"
	parsers := map[string]func(string) error{
		"srvr": func(s string) error { _, err := fourletter.ParseSrvr(s); return err },
		"stat": func(s string) error { _, err := fourletter.ParseStat(s); return err },
		"cons": func(s string) error { _, err := fourletter.ParseCons(s); return err },
		"mntr": func(s string) error { _, err := fourletter.ParseMntr(s); return err },
		"wchs": func(s string) error { _, err := fourletter.ParseWchs(s); return err },
		"wchc": func(s string) error { _, err := fourletter.ParseWchc(s); return err },
		"wchp": func(s string) error { _, err := fourletter.ParseWchp(s); return err },
		"conf": func(s string) error { _, err := fourletter.ParseConf(s); return err },
		"envi": func(s string) error { _, err := fourletter.ParseEnvi(s); return err },
		"isro": func(s string) error { _, err := fourletter.ParseIsro(s); return err },
		"dump": func(s string) error { _, err := fourletter.ParseDump(s); return err },
	}
	for word, parse := range parsers {
		if err := parse(refusal); err == nil {
			t.Errorf("%s accepted a whitelist refusal", word)
		}
		err := parse(notServing)
		if word == "envi" {
			if err == nil {
				t.Errorf("envi accepted %q", notServing)
			}
		} else if !errors.Is(err, fourletter.ErrNotServing) {
			t.Errorf("%s of a server not serving: %v, want ErrNotServing", word, err)
		}
	}
	if _, err := fourletter.ParseIsro("null"); !errors.Is(err, fourletter.ErrNotServing) {
		t.Errorf("isro null: %v", err)
	}
}
