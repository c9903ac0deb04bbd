package conn

import (
	"strings"
	"testing"
)

// The example exchange of RFC 2831 §4 (IMAP, user chris, password
// secret): response and rspauth must match the RFC's values.
func TestDigestMD5RFCExample(t *testing.T) {
	d := &digestMD5{user: "chris", password: "secret", digestURI: "imap/elwood.innosoft.com", cnonce: "OA6MHXh6VqTrRk"}
	ch := `realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8`
	resp, err := d.respond([]byte(ch))
	if err != nil {
		t.Fatal(err)
	}
	fields, err := parseDirectives(resp)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"charset": "utf-8", "username": "chris", "realm": "elwood.innosoft.com",
		"nonce": "OA6MG9tEQGm2hh", "nc": "00000001", "cnonce": "OA6MHXh6VqTrRk",
		"digest-uri": "imap/elwood.innosoft.com", "response": "d388dad90d4bbd760a152321f2143af7", "qop": "auth",
	}
	for k, v := range want {
		if fields[k] != v {
			t.Errorf("%s = %q, want %q (response %s)", k, fields[k], v, resp)
		}
	}
	if err := d.verify([]byte("rspauth=ea40f60335c427b5527b84dbabcdfffd")); err != nil {
		t.Fatal(err)
	}
	if err := d.verify([]byte("rspauth=00000000000000000000000000000000")); err == nil {
		t.Fatal("a wrong rspauth was accepted")
	}
	if strings.Contains(string(resp), "secret") {
		t.Fatal("the response carries the password")
	}
}

func TestDigestMD5BadChallenges(t *testing.T) {
	for _, ch := range []string{
		``,
		`realm="x",algorithm=md5-sess`, // no nonce
		`nonce="n",algorithm=md5`,      // not md5-sess
		`nonce="n",algorithm=md5-sess,qop="auth-conf"`, // no auth
		`nonce="n,algorithm=md5-sess`,                  // unterminated
		`=x`,
		"nonce=\xff",
		`nonce="n",nonce="m",algorithm=md5-sess`, // nonce twice (RFC 2831 2.1.1)
		`nonce="n",algorithm=md5-sess,algorithm=md5-sess`,       // algorithm twice
		`nonce="n",algorithm=md5-sess,charset=utf-8,charset=x`,  // charset twice
		`nonce="n",algorithm=md5-sess,qop="auth",QOP="auth"`,    // qop twice
		`nonce="n",algorithm=md5-sess,maxbuf=1024,maxbuf=65536`, // maxbuf twice
	} {
		d := &digestMD5{user: "u", password: "p", digestURI: "zookeeper/zk-sasl-md5"}
		if _, err := d.respond([]byte(ch)); err == nil {
			t.Errorf("challenge %q accepted", ch)
		}
	}
	// Quoted values keep escaped quotes and commas.
	f, err := parseDirectives([]byte(`realm="a\"b,c", nonce=xyz ,qop="auth,auth-int"`))
	if err != nil || f["realm"] != `a"b,c` || f["nonce"] != "xyz" || f["qop"] != "auth,auth-int" {
		t.Fatalf("%q %v", f, err)
	}
}

// Characters outside ISO 8859-1 are hashed in UTF-8, the rest in ISO
// 8859-1 (RFC 2831 §2.1.2.1).
func TestDigestMD5Charset(t *testing.T) {
	if got := credential("é", true); string(got) != "\xe9" {
		t.Fatalf("é: % x", got)
	}
	if got := credential("é€", true); string(got) != "é€" {
		t.Fatalf("é€: % x", got)
	}
}

// An error quotes at most a few hundred bytes of a hostile token.
func TestDigestMD5ErrorsAreShort(t *testing.T) {
	d := &digestMD5{user: "u", password: "p", digestURI: "zookeeper/zk-sasl-md5"}
	_, err := d.respond([]byte(strings.Repeat("x", 1<<20)))
	if err == nil || len(err.Error()) > 400 || !strings.Contains(err.Error(), "(1048576 bytes)") {
		t.Fatalf("error of %d bytes: %.500v", len(err.Error()), err)
	}
}
