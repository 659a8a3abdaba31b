package verify

import (
	"strings"
	"testing"
)

// Whatever a release's SHA256SUMS holds, Parse never panics, and what it
// accepts is written back by Text as it reads it.
func FuzzParse(f *testing.F) {
	f.Add(digestA + "  a.zip\n" + digestB + "  manifest.json\n")
	f.Add(digestA + " *a.zip\n")
	f.Add(digestA + "  a|b.zip\r\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		entries, err := Parse([]byte(text))
		if err != nil {
			return
		}
		for _, e := range entries {
			if !IsAssetName(e.Name) || strings.ContainsAny(e.Name, "|<>`\r\n ") {
				t.Fatalf("accepted the name %q", e.Name)
			}
		}
		back, err := Parse([]byte(Text(entries)))
		if err != nil || len(back) != len(entries) {
			t.Fatalf("Text of what Parse read does not read back: %v", err)
		}
	})
}

// Whatever the notes hold, Record never panics, keeps every line of the
// action's other markers, and recording the same column again changes
// nothing.
func FuzzRecord(f *testing.F) {
	f.Add(nightlyUp + "\n\n" + markers)
	f.Add(yank + "\n\n" + bothGrid + "\n\n" + markers)
	f.Add(strings.Replace(bothGrid, GridEnd, "", 1) + "\r\n" + markers)
	f.Add(GridEnd + "\n" + GridStart)
	f.Fuzz(func(t *testing.T, body string) {
		r := Record(body, "gha-ubuntu", gridAssets, ubuntuMarks)
		for _, line := range strings.Split(body, "\n") {
			line = strings.TrimSuffix(line, "\r")
			if strings.HasPrefix(line, "<!-- release-action: ") && line != GridStart && line != GridEnd &&
				strings.Count(r.Body, line) < strings.Count(body, line) {
				t.Fatalf("lost the marker line %q", line)
			}
		}
		again := Record(r.Body, "gha-ubuntu", gridAssets, ubuntuMarks)
		if again.Changed || again.Replaced {
			t.Fatalf("recording again changed the notes:\n%q\n%q", r.Body, again.Body)
		}
	})
}
