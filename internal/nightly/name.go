// Package nightly names nightly tags (<prefix>-<YYYYMMDD>-<short sha>),
// finds the existing ones, and creates a tag idempotently. It is the
// nightly-tag mode, and create-prerelease names and prunes with it.
package nightly

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Name is a nightly tag and its parts.
type Name struct {
	Prefix   string
	Tag      string // <prefix>-<date>-<short sha>
	Version  string // the tag without <prefix>-
	Date     string // YYYYMMDD
	SHA      string // the full commit
	ShortSHA string
}

// NewName names the nightly of sha on day.
func NewName(prefix string, day time.Time, sha string, length int) Name {
	short := sha[:min(length, len(sha))]
	date := day.UTC().Format("20060102")
	version := date + "-" + short
	return Name{Prefix: prefix, Tag: prefix + "-" + version, Version: version, Date: date, SHA: sha, ShortSHA: short}
}

// Day is the day a nightly is named for: the date input when given, else
// the day of SOURCE_DATE_EPOCH (reproducible builds), else today in UTC.
func Day(date time.Time, getenv func(string) string, now func() time.Time) (time.Time, error) {
	if !date.IsZero() {
		return date, nil
	}
	if epoch := strings.TrimSpace(getenv("SOURCE_DATE_EPOCH")); epoch != "" {
		seconds, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil || seconds < 0 || seconds > lastEpoch {
			return time.Time{}, fmt.Errorf("read SOURCE_DATE_EPOCH: must be whole seconds since 1970-01-01 UTC, before the year 10000; got %q", epoch)
		}
		return time.Unix(seconds, 0).UTC(), nil
	}
	return now().UTC(), nil
}

// lastEpoch is 9999-12-31T23:59:59Z: a later day has no YYYYMMDD.
const lastEpoch = 253402300799

// WithSuffix names the k-th snapshot of the same day and commit: the name
// itself for k below 2, else the name with -k appended.
func (n Name) WithSuffix(k int) Name {
	if k >= 2 {
		n.Tag += "-" + strconv.Itoa(k)
		n.Version += "-" + strconv.Itoa(k)
	}
	return n
}

// Parsed is what a nightly tag's name says.
type Parsed struct {
	Date   string // YYYYMMDD
	Short  string // the short sha
	Suffix int    // 1 without a suffix, else the k of -k (2 and up)
}

// ParseTag tells whether tag is a nightly of prefix,
// <prefix>-<YYYYMMDD>-<short sha> with an optional -<k> (k from 2), and
// returns what its name says.
func ParseTag(prefix, tag string) (Parsed, bool) {
	rest, found := strings.CutPrefix(tag, prefix+"-")
	if !found {
		return Parsed{}, false
	}
	m := versionRE.FindStringSubmatch(rest)
	if m == nil {
		return Parsed{}, false
	}
	if _, err := time.Parse("20060102", m[1]); err != nil {
		return Parsed{}, false
	}
	p := Parsed{Date: m[1], Short: m[2], Suffix: 1}
	if m[3] != "" {
		k, err := strconv.Atoi(m[3])
		if err != nil {
			return Parsed{}, false
		}
		p.Suffix = k
	}
	return p, true
}

// Parse tells whether tag is a nightly of prefix, and returns its date
// (YYYYMMDD) and short sha.
func Parse(prefix, tag string) (date, short string, ok bool) {
	p, ok := ParseTag(prefix, tag)
	return p.Date, p.Short, ok
}

// The suffix is at most four digits and never 0 or 1: -2 is the second
// snapshot, and -02 would be a second name for it.
var versionRE = regexp.MustCompile(`^([0-9]{8})-([0-9a-f]{4,40})(?:-([2-9]|[1-9][0-9]{1,3}))?$`)
