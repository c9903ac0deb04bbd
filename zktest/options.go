package zktest

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Option adjusts the configuration of a server or of every member of an
// ensemble.
type Option func(*options)

type options struct {
	cfg          []string // extra zoo.cfg lines, after the defaults (later lines win)
	jvm          []string // extra -D options
	minTO, maxTO int      // session timeout bounds, ms
	tickTime     int      // ms
	startTimeout time.Duration
	reconfig     bool // ensembles: reconfigEnabled and a dynamic config file
	admin        bool // the AdminServer on a free loopback port
}

// WithConfig adds zoo.cfg lines ("key=value"). They come after the
// defaults, so they can also override them (ZooKeeper keeps the last value
// of a key). Unknown keys become JVM properties "zookeeper.<key>".
func WithConfig(lines ...string) Option { return func(o *options) { o.cfg = append(o.cfg, lines...) } }

// WithJVMProperty adds a -Dkey=value JVM option, for settings that zoo.cfg
// cannot carry (readonlymode.enabled, jute.maxbuffer,
// java.security.auth.login.config; protocol.md §12.2).
func WithJVMProperty(key, value string) Option {
	return func(o *options) { o.jvm = append(o.jvm, "-D"+key+"="+value) }
}

// WithSessionTimeouts sets the session timeout bounds the server
// negotiates within (default 4 s to 40 s).
func WithSessionTimeouts(min, max time.Duration) Option {
	return func(o *options) { o.minTO, o.maxTO = int(min.Milliseconds()), int(max.Milliseconds()) }
}

// WithTickTime sets tickTime (default 2 s). Session expiry is checked once
// per tick.
func WithTickTime(d time.Duration) Option {
	return func(o *options) { o.tickTime = int(d.Milliseconds()) }
}

// WithStartTimeout bounds how long a start waits for the server to serve
// (default 60 s for a server, 90 s for an ensemble).
func WithStartTimeout(d time.Duration) Option { return func(o *options) { o.startTimeout = d } }

// WithLocalSessions enables local sessions (localSessionsEnabled, with
// upgrading to global sessions when a local one creates an ephemeral).
func WithLocalSessions() Option {
	return WithConfig("localSessionsEnabled=true", "localSessionsUpgradingEnabled=true")
}

// WithReadOnlyMode lets a member that lost its quorum serve reads
// (-Dreadonlymode.enabled=true; its mode is then "read-only").
func WithReadOnlyMode() Option { return WithJVMProperty("readonlymode.enabled", "true") }

// WithReconfig lets clients change an ensemble's membership (reconfig):
// reconfigEnabled=true, and each member reads its servers from a dynamic
// config file (zoo.cfg.dynamic), which the servers rewrite as the
// membership changes. Ensemble.AddServer starts a new member for a
// reconfig to add.
//
// The server also checks that the caller may write /zookeeper/config,
// which only a superuser may by default: give the members WithSuperDigest
// and have the client authenticate as that user, or WithSkipACL.
func WithReconfig() Option {
	return func(o *options) {
		o.reconfig = true
		o.cfg = append(o.cfg, "reconfigEnabled=true")
	}
}

// WithAdminServer turns on the AdminServer, the HTTP form of the
// four-letter words (/commands/monitor, /commands/stat, ...), on a free
// loopback port: see Server.AdminURL. It is off by default (its default
// port, 8080, would clash between servers).
func WithAdminServer() Option { return func(o *options) { o.admin = true } }

// adminConfig is the zoo.cfg of the AdminServer on port (none when port
// is 0).
func adminConfig(port int) []string {
	if port == 0 {
		return nil
	}
	return []string{"admin.enableServer=true", "admin.serverAddress=127.0.0.1", "admin.serverPort=" + strconv.Itoa(port)}
}

// WithSuperDigest makes user (with password) the server's superuser, who
// passes every ACL check: a client that adds the digest auth
// "user:password" may reconfig, or read and change any node
// (-Dzookeeper.DigestAuthenticationProvider.superDigest).
func WithSuperDigest(user, password string) Option {
	return WithJVMProperty("zookeeper.DigestAuthenticationProvider.superDigest", user+":"+digestHash(user, password))
}

// WithSkipACL turns ACL checks off for every client (-Dzookeeper.skipACL=yes).
func WithSkipACL() Option { return WithJVMProperty("zookeeper.skipACL", "yes") }

// digestHash is base64(sha1("user:password")), the digest scheme's stored
// form (DigestAuthenticationProvider.generateDigest).
func digestHash(user, password string) string {
	sum := sha1.Sum([]byte(user + ":" + password))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func buildOptions(opts []Option, startTimeout time.Duration) (options, error) {
	o := options{minTO: 4000, maxTO: 40000, tickTime: 2000, startTimeout: startTimeout}
	for _, f := range opts {
		f(&o)
	}
	for _, l := range o.cfg {
		if !strings.Contains(l, "=") || strings.ContainsAny(l, "\r\n") {
			return o, fmt.Errorf("zktest: zoo.cfg line %q is not key=value", l)
		}
	}
	if o.tickTime <= 0 || o.minTO <= 0 || o.maxTO < o.minTO || o.startTimeout <= 0 {
		return o, fmt.Errorf("zktest: bad timing options: tickTime %d ms, sessions %d-%d ms, start timeout %v",
			o.tickTime, o.minTO, o.maxTO, o.startTimeout)
	}
	return o, nil
}
