// Package chaos holds the fault-injection test of the whole client: a
// workload of writes, watches, a lock and a tree cache runs against a
// 3-server ensemble while the test kills and restarts servers, cuts and
// black-holes the client's connections and expires sessions, then checks
// that nothing was lost, nothing hung and nothing leaked.
//
//	go test -race -run TestChaos -count=5 -v ./chaos
//
// The package has no non-test code.
package chaos
