module github.com/zkwire/zk/bench/compare

go 1.23

require (
	github.com/go-zookeeper/zk v1.0.4
	github.com/zkwire/zk v0.0.0
)

replace github.com/zkwire/zk => ../..
