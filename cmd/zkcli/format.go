package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/zkwire/zk"
)

// formatList prints names as zkCli does: sorted, "[a, b]".
func formatList(names []string) string {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	return "[" + strings.Join(sorted, ", ") + "]"
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
