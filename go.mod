module github.com/zkwire/zk

go 1.23
