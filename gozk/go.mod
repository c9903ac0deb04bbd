module github.com/zkwire/zk/gozk

go 1.23

require github.com/zkwire/zk v0.0.0

require github.com/go-zookeeper/zk v1.0.4

replace github.com/zkwire/zk => ../
