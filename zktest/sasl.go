package zktest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SASLDigest returns the option that makes a server accept SASL
// DIGEST-MD5 logins for users (name → password), as protocol.md §12.6
// describes: a JAAS "Server" section with DigestLoginModule, written to
// dir/jaas-server.conf (dir must outlive the server, e.g. t.TempDir()),
// the JVM property that points at it, and the SASL authentication
// provider. Sessions that log in get the identity "sasl:<name>".
func SASLDigest(dir string, users map[string]string) (Option, error) {
	if len(users) == 0 {
		return nil, fmt.Errorf("zktest: SASL without users")
	}
	names := make([]string, 0, len(users))
	for n, p := range users {
		if n == "" || strings.ContainsAny(n+p, "\"\\\r\n;=") || strings.ContainsAny(n, " \t") {
			return nil, fmt.Errorf("zktest: SASL user %q: names and passwords must not hold quotes, backslashes, ';', '=' or line breaks", n)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Server {\n    org.apache.zookeeper.server.auth.DigestLoginModule required")
	for _, n := range names {
		fmt.Fprintf(&b, "\n    user_%s=\"%s\"", n, users[n])
	}
	b.WriteString(";\n};\n")
	path := filepath.Join(dir, "jaas-server.conf")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return nil, err
	}
	return func(o *options) {
		WithJVMProperty("java.security.auth.login.config", path)(o)
		WithConfig("authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider")(o)
	}, nil
}
