package nightly

import (
	"strings"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestYankMarker(t *testing.T) {
	tests := []struct {
		name   string
		reason string
	}{
		{"plain", "consensus bug in script checks"},
		{"hostile", "--> <script> \n::error::x"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := YankMarker(tt.reason)
			assert.NotContains(t, marker[len(yankPrefix):len(marker)-4], "-->")
			assert.NotContains(t, marker, "\n")
			body := marker + "\n**Yanked:** …\n\nnotes"
			reason, yanked := Yanked(body)
			assert.True(t, yanked)
			assert.Equal(t, tt.reason, reason)
			assert.Equal(t, "notes", WithoutYank(body))
		})
	}
	_, yanked := Yanked("notes\n" + yankPrefix + "{not json} -->\n")
	assert.True(t, yanked, "a mangled marker still marks it yanked")
	_, yanked = Yanked("notes mention " + yankPrefix + " inline")
	assert.False(t, yanked)
}

func TestCompletesPassesOverYanked(t *testing.T) {
	marker := CompleteMarker(strings.Repeat("a", 40))
	rel := func(tag, body string) *gh.RepositoryRelease {
		return &gh.RepositoryRelease{TagName: gh.String(tag), Draft: gh.Bool(false), Prerelease: gh.Bool(true), Body: gh.String(body)}
	}
	listed := []*gh.RepositoryRelease{
		rel("nightly-20251118-bbbbbbb", YankMarker("broken")+"\n"+marker),
		rel("nightly-20251117-aaaaaaa", marker),
	}
	got := Completes(listed, "nightly", nil)
	if assert.Len(t, got, 1) {
		assert.Equal(t, "nightly-20251117-aaaaaaa", got[0].GetTagName())
	}
}

// TestYankedBody: the yank sits at the top of the notes, is replaced by
// another, and WithoutYank takes away exactly what it added.
func TestYankedBody(t *testing.T) {
	tests := []struct {
		name, body, reason string
		wantTop            string // the body's start once yanked, after the marker line
	}{
		{"notes", "### What this nightly holds\n\n| a | b |\n", "broken consensus", "**Yanked:** broken consensus\n\n### What"},
		{"empty notes", "", "broken", "**Yanked:** broken"},
		{"notes starting with blank lines", "\n\nnotes", "broken", "**Yanked:** broken\n\n\n\nnotes"},
		{"notes with CRLF, as the web editor saves them", "line one\r\nline two\r\n", "broken", "**Yanked:** broken\n\nline one\r\n"},
		{"notes that begin like a yank line", "**Yanked:** by hand\n", "broken", "**Yanked:** broken\n\n**Yanked:** by hand\n"},
		{"hostile reason", "notes", "--> <script> @everyone [x](javascript:y) | `z`", "**Yanked:** --&gt; &lt;script&gt; ＠everyone \\[x\\](javascript:y) \\| \\`z\\`\n\nnotes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yanked := YankedBody(tt.body, tt.reason)
			marker, rest, ok := strings.Cut(yanked, "\n")
			require.True(t, ok)
			assert.Equal(t, YankMarker(tt.reason), marker, "the marker is the first line")
			assert.True(t, strings.HasPrefix(rest, tt.wantTop), "got %q", rest)
			reason, isYanked := Yanked(yanked)
			assert.True(t, isYanked)
			assert.Equal(t, tt.reason, reason)
			assert.Equal(t, tt.body, WithoutYank(yanked), "undone exactly")

			again := YankedBody(yanked, "another reason")
			assert.Equal(t, YankedBody(tt.body, "another reason"), again, "another yank replaces the first")
			assert.Equal(t, 1, strings.Count(again, yankPrefix))
			assert.Equal(t, tt.body, WithoutYank(again))
			assert.Equal(t, yanked, YankedBody(yanked, tt.reason), "the same yank again changes nothing")
		})
	}
	_, isYanked := Yanked(WithoutYank(YankedBody("notes", "x")))
	assert.False(t, isYanked)
	assert.Equal(t, "notes", WithoutYank("notes"), "a body without a yank is kept")
}

func TestYankedTitle(t *testing.T) {
	tests := []struct{ name, title, tag, want, wantUndone string }{
		{"named", "Nightly 2025-11-18", "nightly-20251118-b11b11b", "Yanked: Nightly 2025-11-18", "Nightly 2025-11-18"},
		{"unnamed: GitHub shows the tag", "", "v1.0.0", "Yanked: v1.0.0", "v1.0.0"},
		{"yanked already", "Yanked: v1.0.0", "v1.0.0", "Yanked: v1.0.0", "v1.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := YankedTitle(tt.title, tt.tag)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantUndone, WithoutYankTitle(got))
		})
	}
}
