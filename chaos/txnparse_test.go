package chaos

import (
	"fmt"
	"os"
	"testing"
)

// TestParseTxnDump parses what ZooKeeper 3.8's TxnLogToolkit printed for
// a small log (testdata/txnlog-3.8.txt): create (data with a newline),
// setData, a failed setData, an ephemeral create, a multi (raw records),
// a failed multi, delete, closeSession with its ephemeral.
func TestParseTxnDump(t *testing.T) {
	out, err := os.ReadFile("testdata/txnlog-3.8.txt")
	if err != nil {
		t.Fatal(err)
	}
	txns, err := parseTxnDump(string(out))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range txns {
		got = append(got, fmt.Sprintf("%#x %s %v", x.zxid, x.typ, x.changes))
	}
	want := []string{
		"0x1 createSession []",
		"0x2 create [{2 create /a x y\nz false}]",
		"0x3 setData [{3 set /a v2 false}]",
		"0x4 error []",
		"0x5 create [{5 create /a/e  true}]",
		"0x6 multi [{6 set /a m false} {6 create /b  false}]",
		"0x7 multi []",
		"0x8 delete [{8 delete /b  false}]",
		"0x9 closeSession [{9 delete /a/e  false}]",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parsed:\n%q\nwant:\n%q", got, want)
	}
}
