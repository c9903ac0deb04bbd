// Command zkdemo is a short tour of the client against a real ZooKeeper
// server: it connects, creates a node, sets a persistent recursive watch
// and a continuous data watch (zk.WatchData), creates sequential children,
// changes the node, runs a transaction that fails on purpose, lists the
// client's watch registrations, and removes everything it created.
//
// Usage:
//
//	zkdemo [-server host:port]
//
// With -server it uses that server; otherwise it starts a local one with
// zktest, which needs the Debian zookeeper package and java (make deps).
package main
