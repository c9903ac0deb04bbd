//go:build !unix

package bench

import "time"

// cpuTime is not measured here: getrusage is a Unix call.
func cpuTime() time.Duration { return 0 }

// maxRSSMB is not measured here: getrusage is a Unix call.
func maxRSSMB() float64 { return 0 }

// ctxSwitches is not measured here: getrusage is a Unix call.
func ctxSwitches() int64 { return 0 }
