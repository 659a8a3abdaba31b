package manifest

import (
	"strings"
	"testing"
)

// FuzzParse: whatever the text, Parse either refuses it or returns a
// manifest that survives a round trip through JSON and a tag message, and
// whose values can never break a line of a log, an output or a message.
func FuzzParse(f *testing.F) {
	f.Add(sample().String())
	f.Add(`{"consensus": {"repository": "a/b", "sha": "` + shaA + `", "rebuilt": true}}`)
	f.Add(`{"x": {}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, text string) {
		m, err := Parse("manifest", text)
		if err != nil {
			return
		}
		if len(m) == 0 {
			t.Fatal("an empty manifest was accepted")
		}
		for _, e := range m {
			for _, v := range []string{e.Component, e.Repository, e.SHA} {
				if strings.ContainsAny(v, "\r\n\t ") {
					t.Fatalf("value %q would break a line", v)
				}
			}
		}
		back, err := Parse("manifest", m.String())
		if err != nil || !back.SameCommits(m) || len(back) != len(m) {
			t.Fatalf("round trip of %s: %v", m, err)
		}
		fromTag, found, err := FromMessage(Message("t", "o/r", shaA, m))
		if err != nil || !found || fromTag.String() != m.String() {
			t.Fatalf("tag message round trip of %s: found %v, %v", m, found, err)
		}
	})
}
