package diff

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	if d := Diff([]string{"a"}, []string{"a"}); d != "" {
		t.Errorf("equal slices: %q", d)
	}
	d := Diff([]string{"a"}, []string{"b"})
	if !strings.Contains(d, `-want []string{"a"}`) || !strings.Contains(d, `+got  []string{"b"}`) {
		t.Errorf("different slices: %q", d)
	}
	if Equal([]int(nil), []int{}) {
		t.Error("a nil slice equals an empty one")
	}
}
