package chaos

import (
	"context"
	"os"
	"testing"
)

// TestParseTxnDump parses a log a real server wrote, when ZK_CHAOS_TXNLOG
// names one (a development aid for the parser; the chaos run parses every
// log it makes).
func TestParseTxnDump(t *testing.T) {
	f := os.Getenv("ZK_CHAOS_TXNLOG")
	if f == "" {
		t.Skip("set ZK_CHAOS_TXNLOG to a log file")
	}
	out, err := dumpTxnLog(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	txns, err := parseTxnDump(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range txns {
		t.Logf("%#x %s %+v", x.zxid, x.typ, x.changes)
	}
}
