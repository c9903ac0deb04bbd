package zk_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"expvar"
	"log"
	"os"
	"time"

	"github.com/zkwire/zk"
)

// Connect over TLS to servers' secureClientPort, verifying their
// certificates against a private CA, and present a client certificate
// to servers that require one (ssl.clientAuth=need).
func ExampleWithTLS() {
	ca, err := os.ReadFile("/etc/zookeeper/tls/ca.pem")
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	cert, err := tls.LoadX509KeyPair("/etc/zookeeper/tls/client.pem", "/etc/zookeeper/tls/client-key.pem")
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// ServerName is left empty: each server's certificate is checked
	// against the host of its address.
	c, err := zk.Connect(ctx, []string{"zk1.example.com:2281", "zk2.example.com:2281"},
		zk.WithTLS(&tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}}))
	if err != nil {
		log.Fatal(err) // e.g. "x509: certificate signed by unknown authority"
	}
	defer c.Close()
}

// Log in with SASL DIGEST-MD5 (a server with a JAAS DigestLoginModule
// section) and create a node only this user may touch.
func ExampleWithSASL() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{"127.0.0.1:2181"}, zk.WithSASL("bob", os.Getenv("ZK_PASSWORD")))
	if err != nil {
		log.Fatal(err) // errors.Is(err, zk.ErrAuthFailed) for a wrong password
	}
	defer c.Close()
	bobOnly := []zk.ACL{{Perms: zk.PermAll, ID: zk.Id{Scheme: "sasl", ID: "bob"}}}
	if _, err := c.Create(ctx, "/bob", nil, zk.Persistent, bobOnly); err != nil {
		log.Fatal(err)
	}
}

// expvarMetrics publishes a client's metrics with package expvar
// (served at /debug/vars by net/http's default mux).
type expvarMetrics struct {
	requests, failures, latencyMicros *expvar.Map // by operation
	inFlight, reconnects, expiries    *expvar.Int
}

func newExpvarMetrics(name string) *expvarMetrics {
	m := &expvarMetrics{
		requests: new(expvar.Map), failures: new(expvar.Map), latencyMicros: new(expvar.Map),
		inFlight: new(expvar.Int), reconnects: new(expvar.Int), expiries: new(expvar.Int),
	}
	root := expvar.NewMap(name)
	root.Set("requests", m.requests)
	root.Set("failures", m.failures)
	root.Set("latency_us", m.latencyMicros)
	root.Set("in_flight", m.inFlight)
	root.Set("reconnects", m.reconnects)
	root.Set("expiries", m.expiries)
	return m
}

func (m *expvarMetrics) RequestStarted(op string) { m.requests.Add(op, 1); m.inFlight.Add(1) }

func (m *expvarMetrics) RequestDone(op string, d time.Duration, err error) {
	m.inFlight.Add(-1)
	m.latencyMicros.Add(op, d.Microseconds())
	if err != nil {
		m.failures.Add(op, 1)
	}
}

func (m *expvarMetrics) Reconnected()    { m.reconnects.Add(1) }
func (m *expvarMetrics) SessionExpired() { m.expiries.Add(1) }

// An expvar adapter: counters by operation, in-flight requests,
// reconnects and expiries through Metrics, and the watch gauges read from
// Client.Stats when /debug/vars is served.
func ExampleWithMetrics() {
	m := newExpvarMetrics("zk")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, []string{"127.0.0.1:2181"}, zk.WithMetrics(m))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	expvar.Publish("zk_watches", expvar.Func(func() any {
		s := c.Stats()
		byKind := map[string]int{}
		for k, n := range s.Watches {
			byKind[k.String()] = n
		}
		return map[string]any{"registrations": byKind, "watchers": s.Watchers, "overflows": s.WatchOverflows}
	}))
}
