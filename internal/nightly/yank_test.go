package nightly

import (
	"strings"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
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
			assert.Equal(t, "**Yanked:** …\n\nnotes", WithoutYank(body))
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
