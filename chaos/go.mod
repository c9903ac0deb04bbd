module github.com/zkwire/zk/chaos

go 1.23

require (
	github.com/anishathalye/porcupine v1.3.1
	github.com/zkwire/zk v0.0.0
)

replace github.com/zkwire/zk => ../
