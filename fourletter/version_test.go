package fourletter_test

import (
	"testing"
	"time"

	"github.com/zkwire/zk/fourletter"
)

// Version lines of other releases, as their servers print them (seen in
// published srvr/stat output and server logs). The 3.7+ date format is
// the Maven build's "yyyy-MM-dd HH:mm zz" in UTC (zookeeper-server/pom.xml,
// build.time); 3.6 builds wrote "MM/dd/yyyy HH:mm zz" in GMT, and their
// empty qualifier gives a double dash before the hash.
func TestParseVersionFormats(t *testing.T) {
	for _, tc := range []struct {
		line, number, rev, built string
		when                     time.Time
		major, minor, patch      int
	}{
		{"3.6.2--803c7f1a12f85978cb049af5e4ef23bd8b688715, built on 09/04/2020 12:44 GMT",
			"3.6.2", "803c7f1a12f85978cb049af5e4ef23bd8b688715", "09/04/2020 12:44 GMT",
			time.Date(2020, 9, 4, 12, 44, 0, 0, time.UTC), 3, 6, 2},
		{"3.6.3--6401e4ad2087061bc6b9f80dec2d69f2e3c8660a, built on 04/08/2021 16:35 GMT",
			"3.6.3", "6401e4ad2087061bc6b9f80dec2d69f2e3c8660a", "04/08/2021 16:35 GMT",
			time.Date(2021, 4, 8, 16, 35, 0, 0, time.UTC), 3, 6, 3},
		{"3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC",
			"3.8.0", "${mvngit.commit.id}", "2024-12-29 17:54 UTC",
			time.Date(2024, 12, 29, 17, 54, 0, 0, time.UTC), 3, 8, 0},
		{"3.9.0-1674a5e97f43bc38e9bf56b04f83a7ae34d68249, built on 2023-07-19 09:09 UTC",
			"3.9.0", "1674a5e97f43bc38e9bf56b04f83a7ae34d68249", "2023-07-19 09:09 UTC",
			time.Date(2023, 7, 19, 9, 9, 0, 0, time.UTC), 3, 9, 0},
		{"3.9.3-c26634f34490bb0ea7a09cc51e05ede3b4e320ee, built on 2024-10-17 23:21 UTC",
			"3.9.3", "c26634f34490bb0ea7a09cc51e05ede3b4e320ee", "2024-10-17 23:21 UTC",
			time.Date(2024, 10, 17, 23, 21, 0, 0, time.UTC), 3, 9, 3},
		// A qualifier, and a date in a format nobody has used: kept as text.
		{"3.10.0-SNAPSHOT-abc123, built on tomorrow",
			"3.10.0-SNAPSHOT", "abc123", "tomorrow", time.Time{}, 3, 10, 0},
		// No revision and no date at all.
		{"3.9.2", "3.9.2", "", "", time.Time{}, 3, 9, 2},
	} {
		v, err := fourletter.ParseVersion(tc.line)
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		if v.Number != tc.number || v.Revision != tc.rev || v.BuiltOn != tc.built || !v.Built.Equal(tc.when) || v.Full != tc.line {
			t.Errorf("%q: %+v", tc.line, v)
		}
		if ma, mi, pa, err := v.Semver(); err != nil || ma != tc.major || mi != tc.minor || pa != tc.patch {
			t.Errorf("%q: Semver = %d.%d.%d, %v", tc.line, ma, mi, pa, err)
		}
	}
	for _, bad := range []string{"", "banana, built on 2024-12-29 17:54 UTC", "3.x.0-abc"} {
		if _, err := fourletter.ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
	v, _ := fourletter.ParseVersion("3.10.0-SNAPSHOT-abc123")
	if !v.AtLeast(3, 9) || !v.AtLeast(3, 10) || v.AtLeast(3, 11) || v.AtLeast(4, 0) {
		t.Errorf("AtLeast wrong for %+v", v)
	}
}

// Whole answers of 3.6 and 3.9 servers (a 3.9 one on IPv6, where the
// client address has colons of its own).
func TestParseStatOtherVersions(t *testing.T) {
	const stat36 = "Zookeeper version: 3.6.3--6401e4ad2087061bc6b9f80dec2d69f2e3c8660a, built on 04/08/2021 16:35 GMT\n" +
		"Clients:\n /127.0.0.1:35102[0](queued=0,recved=1,sent=0)\n\n" +
		"Latency min/avg/max: 0/0.0/0\nReceived: 5\nSent: 4\nConnections: 1\nOutstanding: 0\nZxid: 0x0\nMode: standalone\nNode count: 5\n"
	st, err := fourletter.ParseStat(stat36)
	if err != nil {
		t.Fatal(err)
	}
	if st.Version.Number != "3.6.3" || st.Version.Built.IsZero() || len(st.Clients) != 1 || st.Clients[0].Addr != "127.0.0.1:35102" || st.NodeCount != 5 {
		t.Errorf("3.6 stat: %+v", st)
	}
	const stat39 = "Zookeeper version: 3.9.0-1674a5e97f43bc38e9bf56b04f83a7ae34d68249, built on 2023-07-19 09:09 UTC\n" +
		"Clients:\n /0:0:0:0:0:0:0:1:46652[0](queued=0,recved=1,sent=0)\n\n" +
		"Latency min/avg/max: 0/0.0/0\nReceived: 3\nSent: 2\nConnections: 1\nOutstanding: 0\nZxid: 0x200000002\nMode: leader\nNode count: 5\n" +
		"Proposal sizes last/min/max: -1/-1/-1\n"
	st, err = fourletter.ParseStat(stat39)
	if err != nil {
		t.Fatal(err)
	}
	if st.Version.Number != "3.9.0" || st.Clients[0].Addr != "0:0:0:0:0:0:0:1:46652" || st.Zxid != 0x200000002 ||
		st.Mode != "leader" || st.ProposalSizes != "-1/-1/-1" {
		t.Errorf("3.9 stat: %+v", st)
	}
	// A read-only server says so on a line of its own (StatCommand), and
	// a line this package does not know is kept.
	const ro = "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n" +
		"READ-ONLY mode; serving only read-only clients\n" +
		"Latency min/avg/max: 0/0/0\nReceived: 1\nSent: 0\nConnections: 1\nOutstanding: 0\nZxid: 0x100000004\nMode: read-only\nNode count: 5\nNew thing: 42\n"
	s, err := fourletter.ParseSrvr(ro)
	if err != nil {
		t.Fatal(err)
	}
	if !s.ReadOnly || s.Mode != "read-only" || s.Other["New thing"] != "42" {
		t.Errorf("read-only srvr: %+v", s)
	}
	for _, bad := range []string{"", "Mode: standalone\n", "Zookeeper version: 3.8.0\nMode: x\nReceived: many\n"} {
		if _, err := fourletter.ParseSrvr(bad); err == nil {
			t.Errorf("ParseSrvr(%q) accepted", bad)
		}
	}
}

func TestParseConnLines(t *testing.T) {
	for _, bad := range []string{"", "/127.0.0.1:1[0]", "/127.0.0.1:1[x](queued=0)", "[0](queued=0)",
		"/1.2.3.4:5[0](queued=zero,recved=1,sent=0)", "/1.2.3.4:5[1](sid=banana)", "/1.2.3.4:5[1](novalue)"} {
		if c, err := fourletter.ParseConn(bad); err == nil {
			t.Errorf("ParseConn(%q) = %+v", bad, c)
		}
	}
	// A resolved address prints as "hostname/ip:port".
	c, err := fourletter.ParseConn(" localhost/127.0.0.1:5[1](queued=0,recved=2,sent=2,sid=0xffffffffffffffff,lop=NA)")
	if err != nil || c.Addr != "127.0.0.1:5" || c.SessionID != -1 || c.LastOp != "NA" {
		t.Errorf("ParseConn = %+v, %v", c, err)
	}
}
