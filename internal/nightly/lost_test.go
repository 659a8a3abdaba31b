package nightly

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/manifest"
)

// created is true when the tag was absent from this run's listing and the
// ref that refused the create's retry holds exactly what this run made:
// its commit (lightweight), or its own tag object (annotated), whose sha
// covers the tagger date, so another run's would differ.
func TestCreatedAfterALostAnswer(t *testing.T) {
	const repo, refs = "BTCDecoded/bllvm", "/repos/BTCDecoded/bllvm/git/refs"
	snapshot := manifest.Manifest{{Component: "consensus", Repository: "BTCDecoded/bllvm-consensus", SHA: strings.Repeat("a", 40), Rebuilt: true}}
	name := NewName("nightly", day("2025-11-17"), sha, 7)
	tests := []struct {
		name        string
		manifest    manifest.Manifest
		inject      func(fake *githubtest.Server)
		wantCreated string
		wantTag     string
	}{
		{"lightweight, the answer lost", nil, func(fake *githubtest.Server) { fake.LoseAnswers("POST", refs, 1) }, "true", name.Tag},
		{"annotated, the answer lost", snapshot, func(fake *githubtest.Server) { fake.LoseAnswers("POST", refs, 1) }, "true", name.Tag},
		{"annotated, another run's tag of the same snapshot first", snapshot, func(fake *githubtest.Server) {
			fake.BeforeNext("POST", refs, func() {
				fake.SetAnnotatedTag(repo, name.Tag, sha, manifest.Message(name.Tag, repo, sha, snapshot))
			})
		}, "false", name.Tag},
		{"annotated, another run's other snapshot takes the name", manifest.Manifest{{Component: "consensus", Repository: "BTCDecoded/bllvm-consensus", SHA: strings.Repeat("b", 40), Rebuilt: true}}, func(fake *githubtest.Server) {
			fake.BeforeNext("POST", refs, func() {
				fake.SetAnnotatedTag(repo, name.Tag, sha, manifest.Message(name.Tag, repo, sha, snapshot))
			})
		}, "true", name.Tag + "-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A second passes at every reading: the other run tags in
			// another second than this run, as two runs do.
			now := day("2025-11-17").Add(2 * time.Hour)
			var mu sync.Mutex
			fake := githubtest.New(t, githubtest.WithRepository(repo), githubtest.WithClock(func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				now = now.Add(time.Second)
				return now
			}))
			fake.AddCommit(repo, sha)
			tt.inject(fake)
			// The action's client, which retries the create whose answer
			// was lost.
			client, err := github.NewClient(github.Config{HTTPClient: fake.Client(), MaxWait: time.Minute, Sleep: func(context.Context, time.Duration) error { return nil }})
			require.NoError(t, err)

			res, err := Run(t.Context(), Client{Git: client.Git, Commits: client.Repositories, Tags: client.Git, Releases: client.Repositories},
				Options{Owner: "BTCDecoded", Repo: "bllvm", Name: name, PushTag: true, Manifest: tt.manifest})

			require.NoError(t, err)
			created, _ := res.Get("created")
			tag, _ := res.Get("tag")
			assert.Equal(t, tt.wantCreated, created)
			assert.Equal(t, tt.wantTag, tag)
			assert.Equal(t, sha, fake.Tags(repo)[tt.wantTag])
		})
	}
}
