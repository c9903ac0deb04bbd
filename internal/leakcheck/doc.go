// Package leakcheck finds goroutines a test run left behind, so that
// "Close returns when every goroutine it started has ended" is checked on
// every run rather than assumed.
//
// Every package's TestMain uses it: through zktest.Main where a server is
// needed, through Main here where none is:
//
//	func TestMain(m *testing.M) { os.Exit(leakcheck.Main(m)) }
//
// Main runs the tests, waits up to Grace for the goroutines they started
// to end, and fails the run with the stacks of those still running. For a
// narrower check, take a Snapshot before and call Check after.
//
// Goroutines are told apart by id, which the runtime never reuses, so a
// goroutine that existed before the snapshot is never blamed. Goroutines
// of the runtime and of package testing are ignored. Tests running in
// parallel with a Check count as leaks, so call Check from TestMain or from
// tests that are not parallel.
//
// It uses only the standard library (zktest re-exports it), and is
// internal: it is a test aid of this module, not an API.
package leakcheck
