// Package fuzz holds go test -fuzz targets for every decoder of the wire
// protocol. Run one with
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzResponse$' -fuzztime 10m
//
// or all of them for a set time with make fuzz. Without -fuzz, go test runs
// each target over its seeds (the f.Add calls and testdata/fuzz), so a
// regression of a past finding fails the ordinary test run.
//
// Properties checked: decoding never panics, a decoded value re-encodes to
// bytes that decode to the same value (decode→encode→decode is stable), and
// no decoder reads past the bytes it was given.
package fuzz
