package nightly

import (
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
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
