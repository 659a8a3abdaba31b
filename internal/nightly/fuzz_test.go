package nightly

import (
	"encoding/hex"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// The days a date input can name: ParseDate reads four-digit years.
var (
	firstDay = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	lastDay  = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
)

// FuzzNameRoundTrip names the nightly of a commit on a day, for every
// prefix the prefix input accepts, and checks that the tag is a valid tag
// name that Parse reads back as the same date and short sha.
func FuzzNameRoundTrip(f *testing.F) {
	for _, seed := range []struct {
		prefix  string
		seconds int64
		commit  string
		length  uint8
	}{
		{"nightly", 1763337600, "6113728f27ae82c7b1a177c8d03f9e96e0adf246", 7},
		{"build", 1735776000, "0123456789abcdef0123456789abcdef01234567", 4},
		{"bllvm-nightly", 253402300799, "ffffffffffffffffffffffffffffffffffffffff", 40},
		{"release/nightly", -62135596800, "00000000000000000000000000000000000000", 12},
		{"nightly-20251117-6113728", 0, "abcd", 36},
	} {
		raw, err := hex.DecodeString(seed.commit)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seed.prefix, seed.seconds, raw, seed.length)
	}
	f.Fuzz(func(t *testing.T, prefix string, seconds int64, commit []byte, length uint8) {
		shaLength := 4 + int(length)%37
		if !acceptedPrefix(prefix, shaLength) {
			return // the prefix input refuses it
		}
		offset := seconds % (lastDay - firstDay + 1)
		if offset < 0 {
			offset += lastDay - firstDay + 1
		}
		day := time.Unix(firstDay+offset, 0).UTC()
		fullSHA := hex.EncodeToString(append(commit, make([]byte, 20)...)[:20])

		n := NewName(prefix, day, fullSHA, shaLength)
		if n.Tag != prefix+"-"+n.Version || n.ShortSHA != fullSHA[:shaLength] || n.SHA != fullSHA {
			t.Fatalf("NewName(%q, %v, %s, %d) = %+v", prefix, day, fullSHA, shaLength, n)
		}
		if err := inputs.CheckTagName("tag", n.Tag); err != nil {
			t.Fatalf("tag %q of an accepted prefix: %v", n.Tag, err)
		}
		date, short, ok := Parse(prefix, n.Tag)
		if !ok || date != n.Date || short != n.ShortSHA {
			t.Fatalf("Parse(%q, %q) = %q, %q, %v; want %q, %q", prefix, n.Tag, date, short, ok, n.Date, n.ShortSHA)
		}
		parsed, err := time.Parse("20060102", date)
		if err != nil || !parsed.Equal(day.Truncate(24*time.Hour)) {
			t.Fatalf("date %s of %v reads back as %v, %v", date, day, parsed, err)
		}
	})
}

// FuzzParseTag reads arbitrary tags as nightlies of an arbitrary prefix: a
// tag ParseTag accepts is exactly <prefix>-<YYYYMMDD>-<4 to 40 hex> with an
// optional -<k> (k from 2, no leading zero), a real day, and NewName with
// WithSuffix names it the same way again.
func FuzzParseTag(f *testing.F) {
	for _, seed := range []struct{ prefix, tag string }{
		{"nightly", "nightly-20251117-6113728"},
		{"nightly", "nightly-20251117-6113728-2"},
		{"nightly", "nightly-20251117-6113728-02"},
		{"nightly", "nightly-20251117-6113728-1"},
		{"nightly", "nightly-20251117-6113728f27ae82c7b1a177c8d03f9e96e0adf246"},
		{"nightly", "nightly-20251317-6113728"},
		{"nightly", "nightly-20250229-6113728"},
		{"nightly", "nightly-2025111-6113728"},
		{"nightly", "nightly-20251117-611"},
		{"nightly", "nightly-20251117-XYZ1234"},
		{"nightly", "nightlyx-20251117-6113728"},
		{"nightly", "nightly-extra-20251117-6113728"},
		{"nightly-extra", "nightly-extra-20251117-6113728"},
		{"", "-20251117-6113728"},
		{"nightly", "v1.0.0"},
		{"nightly", "nightly-00000101-abcd"},
	} {
		f.Add(seed.prefix, seed.tag)
	}
	short := regexp.MustCompile(`^[0-9a-f]{4,40}$`)
	f.Fuzz(func(t *testing.T, prefix, tag string) {
		p, ok := ParseTag(prefix, tag)
		date, shortSHA, parsed := Parse(prefix, tag)
		if parsed != ok || date != p.Date || shortSHA != p.Short {
			t.Fatalf("Parse(%q, %q) = %q, %q, %v; ParseTag = %+v, %v", prefix, tag, date, shortSHA, parsed, p, ok)
		}
		if !ok {
			if p != (Parsed{}) {
				t.Fatalf("ParseTag(%q, %q) refuses but returns %+v", prefix, tag, p)
			}
			return
		}
		want := prefix + "-" + p.Date + "-" + p.Short
		if p.Suffix != 1 {
			want += "-" + strconv.Itoa(p.Suffix)
		}
		if tag != want || len(p.Date) != 8 || !short.MatchString(p.Short) || p.Suffix < 1 || p.Suffix == 1 && tag != prefix+"-"+p.Date+"-"+p.Short {
			t.Fatalf("ParseTag(%q, %q) = %+v", prefix, tag, p)
		}
		day, err := time.Parse("20060102", p.Date)
		if err != nil {
			t.Fatalf("ParseTag(%q, %q) returns date %q, not YYYYMMDD: %v", prefix, tag, p.Date, err)
		}
		if n := NewName(prefix, day, p.Short, len(p.Short)).WithSuffix(p.Suffix); n.Tag != tag {
			t.Fatalf("ParseTag(%q, %q) = %+v, but NewName names that %q", prefix, tag, p, n.Tag)
		}
	})
}

// FuzzDay reads SOURCE_DATE_EPOCH: a bad value is refused with a message
// naming it, and every day it gives names a nightly tag that Parse reads
// back, so that later runs find the tag.
func FuzzDay(f *testing.F) {
	for _, seed := range []string{"", "0", "1700000000", " 1763337600 ", "-1", "yesterday", "1.5", "1e9", "253402300799", "+1700000000"} {
		f.Add(seed)
	}
	now := func() time.Time { return time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC) }
	const commit = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
	f.Fuzz(func(t *testing.T, epoch string) {
		getenv := func(k string) string {
			if k == "SOURCE_DATE_EPOCH" {
				return epoch
			}
			return ""
		}
		day, err := Day(time.Time{}, getenv, now)
		if err != nil {
			if !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
				t.Fatalf("error does not name SOURCE_DATE_EPOCH: %v", err)
			}
			// Whole seconds up to the last day of the year 9999 must be taken.
			if seconds, perr := strconv.ParseInt(strings.TrimSpace(epoch), 10, 64); perr == nil && seconds >= 0 && seconds <= lastEpoch {
				t.Fatalf("SOURCE_DATE_EPOCH=%q refused: %v", epoch, err)
			}
			return
		}
		n := NewName("nightly", day, commit, 7)
		if date, _, ok := Parse("nightly", n.Tag); !ok || date != n.Date {
			t.Fatalf("SOURCE_DATE_EPOCH=%q names the nightly %q, which Parse does not read back (%q, %v)", epoch, n.Tag, date, ok)
		}
	})
}

// acceptedPrefix tells whether the prefix and sha-length inputs take these
// values, as a workflow would pass them.
func acceptedPrefix(prefix string, shaLength int) bool {
	if prefix == "" || strings.TrimSpace(prefix) != prefix {
		return false
	}
	v, err := inputs.Read([]string{"--prefix=" + prefix, "--sha-length=" + strconv.Itoa(shaLength)}, func(string) string { return "" }, io.Discard)
	if err != nil {
		return false
	}
	_, err = v.Nightly()
	return err == nil
}
