package conn

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// digestMD5 is the client side of SASL DIGEST-MD5 (RFC 2831) with
// qop=auth, as ZooKeeper's DigestLoginModule expects it: authentication
// only, no integrity or confidentiality layer. Written from the RFC.
type digestMD5 struct {
	user, password string
	digestURI      string // "zookeeper/zk-sasl-md5" for ZooKeeper
	cnonce         string // fixed by tests; random otherwise

	rspauth string // the server's expected proof, computed with the response
}

// challenge is the server's first token, parsed.
type challenge struct {
	realm, nonce, qop, charset, algorithm string
}

// respond answers the server's challenge with the client's response
// token.
func (d *digestMD5) respond(token []byte) ([]byte, error) {
	ch, err := parseChallenge(token)
	if err != nil {
		return nil, err
	}
	if ch.nonce == "" {
		return nil, errors.New("DIGEST-MD5 challenge without a nonce")
	}
	if ch.algorithm != "md5-sess" {
		return nil, fmt.Errorf("DIGEST-MD5 challenge with algorithm %q, want md5-sess", ch.algorithm)
	}
	if ch.qop != "" && !containsToken(ch.qop, "auth") {
		return nil, fmt.Errorf("DIGEST-MD5 challenge offers qop %q; only auth is supported", ch.qop)
	}
	if d.cnonce == "" {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		d.cnonce = base64.RawStdEncoding.EncodeToString(b[:])
	}
	utf8Charset := strings.EqualFold(ch.charset, "utf-8")
	const nc = "00000001"
	// A1 = { H(user:realm:password) } : nonce : cnonce (no authzid).
	h := md5.New()
	h.Write(credential(d.user, utf8Charset))
	h.Write([]byte(":"))
	h.Write(credential(ch.realm, utf8Charset))
	h.Write([]byte(":"))
	h.Write(credential(d.password, utf8Charset))
	a1 := append(h.Sum(nil), ":"+ch.nonce+":"+d.cnonce...)
	ha1 := hexMD5(a1)
	kd := func(a2 string) string {
		return hexMD5([]byte(ha1 + ":" + ch.nonce + ":" + nc + ":" + d.cnonce + ":auth:" + hexMD5([]byte(a2))))
	}
	response := kd("AUTHENTICATE:" + d.digestURI)
	d.rspauth = kd(":" + d.digestURI)

	var b strings.Builder
	if utf8Charset {
		b.WriteString("charset=utf-8,")
	}
	fmt.Fprintf(&b, "username=%s,", quote(d.user))
	if ch.realm != "" {
		fmt.Fprintf(&b, "realm=%s,", quote(ch.realm))
	}
	fmt.Fprintf(&b, "nonce=%s,nc=%s,cnonce=%s,digest-uri=%s,maxbuf=65536,response=%s,qop=auth",
		quote(ch.nonce), nc, quote(d.cnonce), quote(d.digestURI), response)
	return []byte(b.String()), nil
}

// verify checks the server's final token, rspauth=..., which proves that
// the server knows the password too.
func (d *digestMD5) verify(token []byte) error {
	fields, err := parseDirectives(token, "rspauth")
	if err != nil {
		return err
	}
	got := fields["rspauth"]
	if d.rspauth == "" || subtle.ConstantTimeCompare([]byte(got), []byte(d.rspauth)) != 1 {
		return errors.New("DIGEST-MD5: the server's rspauth does not prove it knows the password")
	}
	return nil
}

func hexMD5(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// credential encodes a user name, realm or password for hashing: with
// charset=utf-8, a string whose characters all fit ISO 8859-1 is hashed in
// ISO 8859-1 and any other in UTF-8 (RFC 2831 §2.1.2.1); without it, in
// ISO 8859-1 as far as possible.
func credential(s string, utf8Charset bool) []byte {
	latin := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			if utf8Charset {
				return []byte(s)
			}
			r = '?'
		}
		latin = append(latin, byte(r))
	}
	return latin
}

// quote writes a quoted-string, escaping '"' and '\'.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func containsToken(list, tok string) bool {
	for _, t := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(t), tok) {
			return true
		}
	}
	return false
}

// challengeOnce are the challenge directives RFC 2831 §2.1.1 allows at
// most once; a challenge repeating one is aborted. (realm may repeat: the
// server offers several; the first is used.)
var challengeOnce = []string{"nonce", "algorithm", "charset", "qop", "maxbuf", "stale", "cipher"}

func parseChallenge(token []byte) (challenge, error) {
	f, err := parseDirectives(token, challengeOnce...)
	if err != nil {
		return challenge{}, err
	}
	return challenge{realm: f["realm"], nonce: f["nonce"], qop: f["qop"], charset: f["charset"], algorithm: f["algorithm"]}, nil
}

// maxDirectives bounds a token's size in directives: a challenge has
// about six.
const maxDirectives = 64

// parseDirectives splits `key=value,key="quoted, value"` (RFC 2831
// digest-challenge syntax) into lower-case keys and unquoted values. A key
// given twice keeps its first value, unless it is one of once: then the
// token is refused.
func parseDirectives(token []byte, once ...string) (map[string]string, error) {
	if !utf8.Valid(token) {
		return nil, errors.New("DIGEST-MD5: token is not UTF-8")
	}
	s := string(token)
	out := make(map[string]string)
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			break
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, fmt.Errorf("DIGEST-MD5: malformed directive %s", clipQuote(s))
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i, closed := 1, false
			for ; i < len(s); i++ {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					i++
					b.WriteByte(s[i])
					continue
				}
				if c == '"' {
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, fmt.Errorf("DIGEST-MD5: unterminated quoted value for %s", clipQuote(key))
			}
			val, s = b.String(), s[i+1:]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val, s = strings.TrimSpace(s[:end]), s[end:]
		}
		if _, dup := out[key]; dup && slices.Contains(once, key) {
			return nil, fmt.Errorf("DIGEST-MD5: directive %s given twice", clipQuote(key))
		} else if !dup {
			if len(out) == maxDirectives {
				return nil, errors.New("DIGEST-MD5: too many directives")
			}
			out[key] = val
		}
	}
	return out, nil
}
