package zk

// upstreamTestHooks is empty. go-zookeeper's own test files set a few of
// its private debug fields on Conn; make gozk-upstream replaces this file,
// in its temporary copy only, with one that declares them, so that those
// files compile against this package (see README.md). Nothing here reads
// them.
type upstreamTestHooks struct{}
