package fourletter

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Version is the server's version line, as srvr, stat, mntr (zk_version)
// and envi (zookeeper.version) print it:
//
//	3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC   (Debian 3.8)
//	3.9.1-4b5c6c7d..., built on 2023-10-05 10:34 UTC         (3.7 to 3.9)
//	3.6.3--6401e4ad..., built on 04/08/2021 16:35 GMT          (3.6)
//
// The server builds it as version[-qualifier] "-" revision ", built on "
// date (Version.getFullVersion); the date's format depends on the build,
// so a date this package cannot read is kept as text and never an error.
type Version struct {
	Full     string    // the whole line after the label
	Number   string    // "3.8.0", or "3.9.0-SNAPSHOT" with a qualifier
	Revision string    // a git hash, or whatever the build put there
	BuiltOn  string    // the date as written
	Built    time.Time // the date, zero when its format is unknown
}

// buildLayouts are the "built on" formats of the builds we know: Maven's
// "yyyy-MM-dd HH:mm zz" in UTC (3.6.4+ and later lines) and the older
// "MM/dd/yyyy HH:mm zz" in GMT.
var buildLayouts = []string{"2006-01-02 15:04 MST", "01/02/2006 15:04 MST"}

// ParseVersion reads a version line (without its "Zookeeper version: "
// label).
func ParseVersion(s string) (Version, error) {
	v := Version{Full: strings.TrimSpace(s)}
	vr, date, ok := strings.Cut(v.Full, ", built on ")
	if ok {
		v.BuiltOn = strings.TrimSpace(date)
		for _, l := range buildLayouts {
			if t, err := time.Parse(l, v.BuiltOn); err == nil {
				v.Built = t
				break
			}
		}
	}
	// The revision follows the last '-'. A release without a qualifier
	// but with an empty one ("3.6.3--hash") leaves a '-' to trim.
	if i := strings.LastIndexByte(vr, '-'); i > 0 {
		v.Number, v.Revision = strings.TrimRight(vr[:i], "-"), vr[i+1:]
	} else {
		v.Number = vr
	}
	if _, _, _, err := v.Semver(); err != nil {
		return v, err
	}
	return v, nil
}

// Semver returns the numbers of Number ("3.8.0" gives 3, 8, 0).
func (v Version) Semver() (major, minor, patch int, err error) {
	num, _, _ := strings.Cut(v.Number, "-")
	parts := strings.Split(num, ".")
	if len(parts) < 3 {
		return 0, 0, 0, fmt.Errorf("%w: version %q", ErrUnexpected, v.Full)
	}
	var n [3]int
	for i := range n {
		if n[i], err = strconv.Atoi(parts[i]); err != nil || n[i] < 0 {
			return 0, 0, 0, fmt.Errorf("%w: version %q", ErrUnexpected, v.Full)
		}
	}
	return n[0], n[1], n[2], nil
}

// AtLeast reports whether the version is major.minor or newer, to gate
// requests older servers do not know (they close the connection on an
// unknown opcode).
func (v Version) AtLeast(major, minor int) bool {
	ma, mi, _, err := v.Semver()
	return err == nil && (ma > major || ma == major && mi >= minor)
}
