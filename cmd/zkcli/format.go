package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zkwire/zk"
)

// formatList prints names as zkCli does: sorted, "[a, b]".
func formatList(names []string) string {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	return "[" + strings.Join(sorted, ", ") + "]"
}

// quotedList prints names sorted, each quoted, as a JSON array.
func quotedList(names []string) string {
	sorted := append([]string{}, names...) // [] for none, not null
	sort.Strings(sorted)
	b, _ := json.Marshal(sorted) // strings always marshal
	return string(b)
}

// printList prints names sorted: as zkCli's "[a, b]" on a terminal, one
// a line otherwise, since a name may hold ", " and a script must be able
// to split the output.
func (s *session) printList(names []string) {
	if s.outTerminal {
		fmt.Fprintln(s.out, formatList(names))
		return
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	for _, n := range sorted {
		fmt.Fprintln(s.out, n)
	}
}

// printStat prints a Stat with zkCli's field names and formats (zxids in
// hex, times as Java's Date.toString in the local zone).
func printStat(w io.Writer, st *zk.Stat) {
	const javaDate = "Mon Jan 02 15:04:05 MST 2006"
	fmt.Fprintf(w, "cZxid = 0x%x\n", uint64(st.Czxid))
	fmt.Fprintf(w, "ctime = %s\n", time.UnixMilli(st.Ctime).Format(javaDate))
	fmt.Fprintf(w, "mZxid = 0x%x\n", uint64(st.Mzxid))
	fmt.Fprintf(w, "mtime = %s\n", time.UnixMilli(st.Mtime).Format(javaDate))
	fmt.Fprintf(w, "pZxid = 0x%x\n", uint64(st.Pzxid))
	fmt.Fprintf(w, "cversion = %d\n", st.Cversion)
	fmt.Fprintf(w, "dataVersion = %d\n", st.Version)
	fmt.Fprintf(w, "aclVersion = %d\n", st.Aversion)
	fmt.Fprintf(w, "ephemeralOwner = 0x%x\n", uint64(st.EphemeralOwner))
	fmt.Fprintf(w, "dataLength = %d\n", st.DataLength)
	fmt.Fprintf(w, "numChildren = %d\n", st.NumChildren)
}

// jsonStat is a Stat in JSON, with zkCli's field names; times are
// milliseconds since the epoch.
type jsonStat struct {
	Czxid          int64 `json:"cZxid"`
	Ctime          int64 `json:"ctime"`
	Mzxid          int64 `json:"mZxid"`
	Mtime          int64 `json:"mtime"`
	Pzxid          int64 `json:"pZxid"`
	Cversion       int32 `json:"cversion"`
	Version        int32 `json:"dataVersion"`
	Aversion       int32 `json:"aclVersion"`
	EphemeralOwner int64 `json:"ephemeralOwner"`
	DataLength     int32 `json:"dataLength"`
	NumChildren    int32 `json:"numChildren"`
}

func toJSONStat(st *zk.Stat) *jsonStat {
	if st == nil {
		return nil
	}
	return &jsonStat{st.Czxid, st.Ctime, st.Mzxid, st.Mtime, st.Pzxid, st.Cversion, st.Version,
		st.Aversion, st.EphemeralOwner, st.DataLength, st.NumChildren}
}

// printJSON writes v as one line of JSON.
func (s *session) printJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.out, "%s\n", b)
	return err
}

// jsonData puts node data in JSON: as a string when it is UTF-8 text,
// otherwise base64 in dataBase64, so that no byte is lost.
func jsonData(data []byte) (text *string, b64 []byte) {
	if utf8.Valid(data) {
		s := string(data)
		return &s, nil
	}
	return nil, data // encoding/json writes []byte as base64
}
