// Package diff compares values in tests without a dependency outside the
// standard library (the library module keeps its go.mod to the standard
// library and golang.org/x/sync, tests included).
package diff

import (
	"fmt"
	"reflect"
)

// Equal reports whether want and got are deeply equal (reflect.DeepEqual:
// a nil slice differs from an empty one).
func Equal(want, got any) bool { return reflect.DeepEqual(want, got) }

// Diff returns "" when want and got are deeply equal, else both values,
// marked -want and +got.
func Diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("-want %#v\n+got  %#v", want, got)
}
