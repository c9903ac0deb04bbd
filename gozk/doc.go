// Package zk is a drop-in replacement for github.com/go-zookeeper/zk v1.0.4
// built on the zkwire client (github.com/zkwire/zk): the same exported
// names, signatures, constant values and error texts, so that switching is
// one import line:
//
//	import "github.com/zkwire/zk/gozk" // was "github.com/go-zookeeper/zk"
//
// Behaviour that programs depend on is kept: Connect returns at once and
// calls wait for the session; the event channel reports StateConnecting,
// StateConnected and StateHasSession (with Server set) and is closed by
// Close; a new session is opened silently after expiry; watches end with
// EventNotWatching on expiry and close; errors are bare sentinels, so ==
// works. Some go-zookeeper bugs are fixed on purpose; the module's
// README lists them.
//
// To migrate gradually, Conn.Client returns the zkwire client underneath.
package zk
