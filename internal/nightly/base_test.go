package nightly

import (
	"strings"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"

	"github.com/BTCDecoded/release-action/internal/manifest"
)

// Only a release GitHub says is published, with the marker, is a base
// candidate; an answer without the draft field is not taken for one.
func TestCompletes(t *testing.T) {
	marked := CompleteMarker("0123456789abcdef0123456789abcdef01234567")
	release := func(tag string, draft *bool, body string) *gh.RepositoryRelease {
		return &gh.RepositoryRelease{TagName: gh.String(tag), Draft: draft, Body: gh.String(body)}
	}
	listed := []*gh.RepositoryRelease{
		release("nightly-20251118-aaaaaaa", gh.Bool(false), "notes\n"+marked+"\n"),
		release("nightly-20251119-bbbbbbb", gh.Bool(true), marked),
		release("nightly-20251120-ccccccc", nil, marked),
		release("nightly-20251121-ddddddd", gh.Bool(false), "no marker"),
		release("nightly-20251122-eeeeeee", gh.Bool(false), "quoted: `"+marked+"`"),
		release("v1.0.0", gh.Bool(false), marked),
		release("nightly-20251117-fffffff", gh.Bool(false), marked),
	}
	var got []string
	for _, r := range Completes(listed, "nightly", nil) {
		got = append(got, r.GetTagName())
	}
	assert.Equal(t, []string{"nightly-20251118-aaaaaaa", "nightly-20251117-fffffff"}, got, "newest first; drafts, unknown states, unmarked, inline markers and other tags left out")
}

func markedSnapshot() manifest.Manifest {
	return manifest.Manifest{
		{Component: "consensus", Repository: "BTCDecoded/bllvm-consensus", SHA: strings.Repeat("a1", 20), Rebuilt: true},
		{Component: "governance", Repository: "BTCDecoded/bllvm-commons", SHA: strings.Repeat("e5", 20)},
	}
}

// The manifest marker is one line of the manifest's canonical JSON, read
// back only where the action writes it: a whole line, the last of its
// kind, holding a manifest Parse accepts.
func TestMarkedManifest(t *testing.T) {
	m := markedSnapshot()
	line := ManifestMarker(m)
	assert.Equal(t, `<!-- release-action: manifest {"consensus":{"repository":"BTCDecoded/bllvm-consensus","sha":"`+m[0].SHA+
		`","rebuilt":true},"governance":{"repository":"BTCDecoded/bllvm-commons","sha":"`+m[1].SHA+`","rebuilt":false}} -->`, line)
	other := manifest.Manifest{{Component: "consensus", Repository: "BTCDecoded/bllvm-consensus", SHA: strings.Repeat("0f", 20)}}
	complete := CompleteMarker("0123456789abcdef0123456789abcdef01234567")
	tests := []struct {
		name string
		body string
		want manifest.Manifest // nil: no marker
	}{
		{"beside the complete marker, at the end of the body", "### What this nightly holds\n\n" + complete + "\n" + line + "\n", m},
		{"with CRLF line ends", "notes\r\n" + line + "\r\n", m},
		{"the last line of its kind wins over one in the notes above", ManifestMarker(other) + "\n\nnotes\n" + line, m},
		{"no marker", "notes\n" + complete, nil},
		{"quoted inline, not a line of its own", "see `" + line + "`", nil},
		{"JSON that is not a manifest", "<!-- release-action: manifest {\"consensus\": {}} -->", nil},
		{"a sha that is not 40 hex", strings.Replace(line, m[0].SHA, "a1a1a1a", 1), nil},
		{"an unknown key", strings.Replace(line, `"rebuilt":true`, `"rebuilt":true,"url":"x"`, 1), nil},
		{"not closed on its line", strings.TrimSuffix(line, " -->") + "\n-->", nil},
		{"the last one malformed: no marker, not an earlier one", line + "\n<!-- release-action: manifest {} -->", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MarkedManifest(tt.body)
			assert.Equal(t, tt.want != nil, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// FuzzMarkedManifest: whatever a release body holds, MarkedManifest
// either finds no marker or a manifest whose own marker is one line that
// reads back the same, and that never ends the HTML comment early.
func FuzzMarkedManifest(f *testing.F) {
	line := ManifestMarker(markedSnapshot())
	f.Add(line)
	f.Add("notes\r\n" + line + "\r\n")
	f.Add(`<!-- release-action: manifest {"a":{"repository":"o/r","sha":"` + strings.Repeat("0", 40) + `","rebuilt":false}} -->`)
	f.Add(`<!-- release-action: manifest {"x-->":{}} -->`)
	f.Fuzz(func(t *testing.T, body string) {
		m, ok := MarkedManifest(body)
		if !ok {
			return
		}
		again := ManifestMarker(m)
		if strings.ContainsAny(again, "\r\n") || strings.Count(again, "-->") != 1 || !strings.HasSuffix(again, " -->") {
			t.Fatalf("marker %q is not one comment on one line", again)
		}
		back, ok := MarkedManifest(again)
		if !ok || back.String() != m.String() {
			t.Fatalf("marker %q does not read back: %v", again, back)
		}
	})
}
