// Package fourletter sends ZooKeeper's four-letter words (srvr, stat, ruok,
// mntr, cons, wchs, wchc, wchp, conf, envi, isro, dump) and parses their
// answers into typed results. It accepts the formats of servers 3.6 to 3.9,
// including every "built on" date format of the version line (3.6's
// "04/08/2021 16:35 GMT", 3.8's and 3.9's "2023-10-05 10:34 UTC"), and
// revisions that are not hashes (Debian's "${mvngit.commit.id}").
//
// Each call opens a fresh connection, as the server closes it after one
// answer, and is bounded by its context and by DefaultTimeout. A word the
// server does not allow (4lw.commands.whitelist; by default only srvr,
// which the server allows whatever the list says) fails with
// ErrNotWhitelisted; a server that is up but not serving fails
// with ErrNotServing. Raw returns the text of any word.
//
// AdminCommand and AdminMonitor read the same information from the
// AdminServer's HTTP interface (/commands/<name>, JSON), for servers that
// expose it instead of the words.
//
// The Parse functions take an answer already read, for tools that get it
// some other way (a log, a proxy, a test's golden file).
//
// It uses only the standard library.
package fourletter
