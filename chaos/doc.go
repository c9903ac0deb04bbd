// Package chaos holds the fault-injection test of the whole client: a
// workload of conditional writes, reads, watches, a lock and a tree cache
// runs against a 3-server ensemble while the test kills and restarts
// servers, adds latency, cuts and black-holes the clients' connections and
// expires sessions; then it checks the history for linearizability
// (porcupine), against the servers' transaction logs (reads, watches) and
// for lock overlap, and that nothing hung and nothing leaked.
//
//	cd chaos && go test -race -run TestChaos -count=5 -v ./...
//
// It is its own module (porcupine is a test-only dependency) and has no
// non-test code.
package chaos
