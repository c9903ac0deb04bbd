package fourletter_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zkwire/zk/fourletter"
	"github.com/zkwire/zk/internal/testenv"
	"github.com/zkwire/zk/zktest"
)

// The AdminServer of a real server, with the scene of TestLive.
func TestLiveAdminServer(t *testing.T) {
	s := zktest.StartServerT(t, zktest.WithAdminServer())
	if s.AdminURL() == "" {
		t.Fatal("no AdminServer URL")
	}
	sc := populate(t, s.Addr())
	ctx := testenv.Ctx(t, time.Minute)

	ok, err := fourletter.AdminCommand(ctx, s.AdminURL(), "ruok")
	if err != nil || ok["command"] != "ruok" {
		t.Fatalf("ruok: %v, %v", ok, err)
	}
	m, err := fourletter.AdminMonitor(ctx, s.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := m.Int("zk_ephemerals_count"); err != nil || n != 2 || m["zk_server_state"] != "standalone" {
		t.Errorf("monitor: ephemerals %d, %v; state %q", n, err, m["zk_server_state"])
	}
	if v, err := m.Version(); err != nil || !v.AtLeast(3, 5) {
		t.Errorf("monitor version %+v, %v", v, err)
	}
	// The same server's mntr names the same basic metrics.
	mntr, err := fourletter.Mntr(ctx, s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"zk_version", "zk_server_state", "zk_znode_count", "zk_ephemerals_count", "zk_watch_count"} {
		if _, ok := mntr[k]; !ok {
			t.Errorf("mntr has no %s", k)
		}
		if _, ok := m[k]; !ok {
			t.Errorf("monitor has no %s", k)
		}
	}

	w, err := fourletter.AdminCommand(ctx, s.AdminURL(), "watches")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(w["session_id_to_watched_paths"])
	for _, id := range sc.sessions {
		// Keys are decimal session ids.
		if !strings.Contains(string(b), strconv.FormatInt(id, 10)) || !strings.Contains(string(b), sc.watched[id]) {
			t.Errorf("watches has no session %d watching %s: %s", id, sc.watched[id], b)
		}
	}
	conf, err := fourletter.AdminCommand(ctx, s.AdminURL(), "configuration")
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := conf["client_port"].(json.Number); !ok || !strings.HasSuffix(s.Addr(), ":"+n.String()) {
		t.Errorf("configuration client_port %v, server on %s", conf["client_port"], s.Addr())
	}

	if _, err := fourletter.AdminCommand(ctx, s.AdminURL(), "no_such_command"); err == nil || !strings.Contains(err.Error(), "Unknown command") {
		t.Errorf("unknown command: %v", err)
	}
	for _, bad := range []string{"", "../monitor", "Monitor", "monitor?x=1"} {
		if _, err := fourletter.AdminCommand(ctx, s.AdminURL(), bad); err == nil {
			t.Errorf("AdminCommand accepted the name %q", bad)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:8080", "ftp://x", "http://"} {
		if _, err := fourletter.AdminCommand(ctx, bad, "ruok"); err == nil {
			t.Errorf("AdminCommand accepted the URL %q", bad)
		}
	}
}

func TestParseAdmin(t *testing.T) {
	obj, err := fourletter.ParseAdmin([]byte(`{"session_id_to_watched_paths":{"72057653000749057":["/a"]},"zxid":72057594037927937,"command":"watches","error":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if z, ok := obj["zxid"].(json.Number); !ok || z.String() != "72057594037927937" {
		t.Errorf("zxid %v: lost precision", obj["zxid"])
	}
	for _, bad := range []string{"", "[]", "null", "<html>", `{"command":"x","error":"Unknown command: x"}`} {
		if _, err := fourletter.ParseAdmin([]byte(bad)); err == nil {
			t.Errorf("ParseAdmin(%q) accepted", bad)
		}
	}
}
