package zktest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Answers as the Debian 3.8.0 server writes them.
const (
	srvrAnswer = "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\nLatency min/avg/max: 4/6.0/10\n" +
		"Received: 6\nSent: 5\nConnections: 2\nOutstanding: 0\nZxid: 0x1\nMode: standalone\nNode count: 5\n"
	wchsAnswer = "1 connections watching 2 paths\nTotal watches:2\n"
	wchcAnswer = "0x100007a27390000\n\t/zookeeper\n\t/nope\n\n0x200000000000001\n\t/a\n\n"
)

func TestParsers(t *testing.T) {
	if m := ParseMode(srvrAnswer); m != "standalone" {
		t.Errorf("ParseMode = %q", m)
	}
	if m := ParseMode("This ZooKeeper instance is not currently serving requests\n"); m != "" {
		t.Errorf("ParseMode of a server not serving = %q", m)
	}
	if n, err := ParseConnections(srvrAnswer); err != nil || n != 2 {
		t.Errorf("ParseConnections = %d, %v", n, err)
	}
	if n, err := ParseTotalWatches(wchsAnswer); err != nil || n != 2 {
		t.Errorf("ParseTotalWatches = %d, %v", n, err)
	}
	got, err := ParseWatchesBySession(wchcAnswer)
	want := map[int64][]string{0x100007a27390000: {"/zookeeper", "/nope"}, 0x200000000000001: {"/a"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParseWatchesBySession = %v, %v; want %v", got, err, want)
	}
	if got, err := ParseWatchesBySession(""); err != nil || len(got) != 0 {
		t.Errorf("ParseWatchesBySession(\"\") = %v, %v", got, err)
	}
	refused := "wchc is not executed because it is not in the whitelist.\n"
	if _, err := ParseWatchesBySession(refused); err == nil {
		t.Error("ParseWatchesBySession accepted a whitelist refusal")
	}
	if _, err := ParseTotalWatches(refused); err == nil {
		t.Error("ParseTotalWatches accepted a whitelist refusal")
	}
	if _, err := FourLetter(context.Background(), "127.0.0.1:1", "stats"); err == nil {
		t.Error("FourLetter accepted a five-letter word")
	}
}

func TestSharedServerFourLetterWords(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if ans, err := srv.FourLetter(ctx, "ruok"); err != nil || ans != "imok" {
		t.Fatalf("ruok = %q, %v", ans, err)
	}
	if m, err := srv.Mode(ctx); err != nil || m != "standalone" {
		t.Fatalf("Mode = %q, %v", m, err)
	}
	if ans, err := srv.FourLetter(ctx, "srvr"); err != nil || !strings.HasPrefix(ans, "Zookeeper version: 3.") {
		t.Fatalf("srvr = %q, %v", ans, err)
	}
	before, err := srv.WatchCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conns, err := srv.Connections(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// A session with two data watches shows up in wchs, wchc and srvr.
	s := rawConnect(t, srv.Addr(), 0, nil)
	if s.timeout != 10000 {
		t.Fatalf("negotiated timeout %d ms, want 10000", s.timeout)
	}
	if code := s.existsWatch(t, 1, "/zktest-no-such-node"); code != -101 {
		t.Fatalf("exists on a missing node: error %d, want -101 (NONODE)", code)
	}
	if code := s.existsWatch(t, 2, "/zookeeper"); code != 0 {
		t.Fatalf("exists /zookeeper: error %d", code)
	}
	if n, err := srv.WatchCount(ctx); err != nil || n != before+2 {
		t.Fatalf("WatchCount = %d, %v; want %d", n, err, before+2)
	}
	by, err := srv.WatchesBySession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	paths := append([]string(nil), by[s.id]...)
	if len(paths) != 2 || !contains(paths, "/zookeeper") || !contains(paths, "/zktest-no-such-node") {
		t.Fatalf("watches of session 0x%x: %v (all: %v)", s.id, paths, by)
	}
	if n, err := srv.Connections(ctx); err != nil || n != conns+1 {
		t.Fatalf("Connections = %d, %v; want %d", n, err, conns+1)
	}
	// The session ends with its connection after its timeout; expire it
	// now so that later tests see the server as they found it.
	if err := ExpireSession(ctx, srv.Addr(), s.id, s.password); err != nil {
		t.Fatal(err)
	}
	if n, err := srv.WatchCount(ctx); err != nil || n != before {
		t.Fatalf("WatchCount after expiry = %d, %v; want %d", n, err, before)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
