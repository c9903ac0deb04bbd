package main

import (
	"fmt"
	"reflect"
)

// diffOf returns "" when want and got are deeply equal, else both values
// (the module's go.mod keeps to the standard library and x/sync, tests
// included, so no go-cmp).
func diffOf(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("-want %#v\n+got  %#v", want, got)
}

// equal reports whether want and got are deeply equal.
func equal(want, got any) bool { return reflect.DeepEqual(want, got) }
