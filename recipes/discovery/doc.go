// Package discovery registers service instances in ZooKeeper and finds
// them again, with client-side load balancing.
//
// A Registry writes each Instance as an ephemeral node holding its JSON at
// <base>/<name>/<id> (base "/services" by default) and keeps it there: a
// node deleted by someone else is put back, an Update is applied, and after
// session expiry every registration is created again in the new session.
// Surviving expiry needs a client built with zk.WithNewSessionOnExpiry;
// without it, expiry ends the registrations (their nodes are gone with the
// session) and Err on each says so. Registry.Lost tells when an
// instance's node is not known to be in place, including as soon as the
// client has been cut off for the whole session timeout (zk.StateLost),
// before any reconnection confirms an expiry.
//
// A Discoverer keeps a live, in-memory view of one service's instances on
// a cache.TreeCache of <base>/<name> (one persistent recursive watch, or
// one-shot watches on old servers), so Instances and Pick never read from
// the server. An instance appears only once its node's data has been read
// and parses as a valid Instance for that node: a node created empty, or
// holding something else, is invisible until a valid Instance is written to
// it. The view converges after disconnects (full re-read) and, on a client
// built with zk.WithNewSessionOnExpiry, after session expiry.
//
// Balancers choose among the instances: RoundRobin, Random,
// PrimaryPreferred and LeastLoaded.
package discovery
