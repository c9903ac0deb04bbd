// Package zktest runs real ZooKeeper servers for tests: a standalone server
// or an ensemble on loopback ports, each with its own data directory, with
// helpers to stop, restart and kill them, to expire a session, to read the
// four-letter-word diagnostics (wchs, wchc, srvr; package fourletter reads
// every word), a TCP fault proxy, and a goroutine-leak check. It uses only
// the standard library and package fourletter (itself standard library
// only), so the lowest layers of a client (codec, connection) can use it
// in their own tests.
//
// # Which server
//
// The server is the ZooKeeper installed on the machine; nothing is
// downloaded. In order:
//
//   - ZKTEST_CLASSPATH: a complete Java classpath, used as is;
//   - ZOOKEEPER_JAR: the server jar; its logging and Netty companions are
//     taken from the same folder when present;
//   - /usr/share/java/zookeeper.jar (the Debian package "zookeeper", which
//     `make deps` installs).
//
// java comes from JAVA_HOME, else PATH. When neither a server nor java is
// found, the helpers fail the tests if the CI environment variable is set
// and skip them (saying why) otherwise.
//
// ZK_TEST_SERVERS=host:port[,host:port...] points Main at servers someone
// else runs instead of starting one. Such a Server has no process: Start,
// Stop, Restart and Kill return ErrExternal, so tests that need them must
// start their own server (StartServerT) or skip.
//
// # One server per test package
//
//	var srv *zktest.Server
//
//	func TestMain(m *testing.M) {
//		os.Exit(zktest.Main(m, func(s *zktest.Server) { srv = s }))
//	}
//
// Main starts one server, runs the tests, stops the server and fails the
// run if goroutines leaked. A test that restarts or kills a server starts
// its own with StartServerT (or StartEnsembleT), which also closes it when
// the test ends.
//
// # Server options
//
// Options shape the server: WithSessionTimeouts bounds the session
// timeouts it grants and WithTickTime sets how often it checks for expiry;
// WithConfig adds zoo.cfg lines and WithJVMProperty JVM properties;
// WithAdminServer starts the HTTP AdminServer on a free port (AdminURL);
// WithReadOnlyMode lets a member that lost its quorum serve reads (read-only
// clients also need WithLocalSessions). NewTLSServer prepares a secure client port signed by a throw-away
// CA (its Option goes to StartServer, its ClientConfig to the client), and
// SASLDigest makes the server accept SASL DIGEST-MD5 logins. An Ensemble
// (StartEnsemble) is a quorum on loopback ports whose members can be
// stopped, killed and restarted one by one.
//
// # Reconfiguration
//
// WithReconfig starts an ensemble whose membership clients may change:
// reconfigEnabled=true, and the members read their servers from a dynamic
// config file. The server lets only sessions that may write
// /zookeeper/config reconfigure, by default the superuser, so add
// WithSuperDigest("super", "secret") and have the client authenticate with
// the digest "super:secret" (or WithSkipACL, which lets everyone in):
//
//	e := zktest.StartEnsembleT(t, 3, zktest.WithReconfig(), zktest.WithSuperDigest("super", "secret"))
//	c, _ := zk.Connect(ctx, e.Addrs(), zk.WithAuth("digest", []byte("super:secret")))
//	s4, _ := e.AddServer(ctx) // a new member, following as a non-voter
//	c.IncrementalReconfig(ctx, []string{s4.QuorumSpec()}, nil, -1)
//	c.IncrementalReconfig(ctx, nil, []string{"2"}, -1) // server.2 leaves
//
// # Fault proxy
//
// A Proxy sits between a client and a server on a loopback port and injects
// network faults into live connections:
//
//	p, err := zktest.NewProxy(srv.Addr())
//	if err != nil { t.Fatal(err) }
//	defer p.Close()
//	c, err := zk.Connect(ctx, []string{p.Addr()})
//	...
//	p.Cut()              // every open connection drops; new ones are accepted
//	p.SetRefuse(true)    // new connections are closed at once
//	p.SetBlackhole(true) // connections stay open, nothing gets through
//	p.SetLatency(50 * time.Millisecond)
//	p.DropDirection(false, true) // requests arrive, replies are discarded
//	p.SetTarget(other.Addr())    // new connections go elsewhere
//
// A black hole holds bytes rather than losing them, as TCP would retransmit
// them after a partition heals; DropDirection loses them, which breaks the
// framing of that connection (the point of it).
//
// # Session expiry
//
// ExpireSession(ctx, addr, id, password) makes the server close a live
// session now, instead of waiting out its timeout.
package zktest
