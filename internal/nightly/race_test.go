package nightly

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// A run racing this one may push the nightly's name first, as a
// lightweight tag or an annotated one (git tag -a, then a push). The 422
// of this run's create is answered by the commit that tag names: for an
// annotated tag, the commit its tag object tags, never the object's own
// sha, which is no commit.
func TestCreateRacedByAnotherRunsTag(t *testing.T) {
	const repo, refs = "BTCDecoded/bllvm", "/repos/BTCDecoded/bllvm/git/refs"
	const other = "ffffffffffffffffffffffffffffffffffffffff"
	name := NewName("nightly", day("2025-11-17"), sha, 7)
	tests := []struct {
		name string
		// race pushes the other run's tag just before this run's create.
		race        func(fake *githubtest.Server)
		wantCreated string
		wantErr     string
	}{
		{"annotated, at this commit: the other run's tag, not this run's", func(fake *githubtest.Server) {
			fake.SetAnnotatedTag(repo, name.Tag, sha, "made by hand")
		}, "false", ""},
		{"annotated, at another commit: named by its commit", func(fake *githubtest.Server) {
			fake.SetAnnotatedTag(repo, name.Tag, other, "made by hand")
		}, "", "tag " + name.Tag + " already exists at commit " + other + ", not at " + sha},
		// A lightweight tag at this commit cannot be told from this run's
		// own, whose answer was lost: it was absent before this run tried.
		{"lightweight, at this commit", func(fake *githubtest.Server) {
			fake.SetTag(repo, name.Tag, sha)
		}, "true", ""},
		{"lightweight, at another commit", func(fake *githubtest.Server) {
			fake.AddCommit(repo, other)
			fake.SetTag(repo, name.Tag, other)
		}, "", "tag " + name.Tag + " already exists at commit " + other + ", not at " + sha},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := githubtest.New(t, githubtest.WithRepository(repo), githubtest.WithClock(githubtest.NewClock(day("2025-11-17").Add(2*time.Hour)).Now))
			fake.AddCommit(repo, sha)
			fake.BeforeNext("POST", refs, func() { tt.race(fake) })
			client, err := github.NewClient(github.Config{HTTPClient: fake.Client(), MaxWait: time.Minute, Sleep: func(context.Context, time.Duration) error { return nil }})
			require.NoError(t, err)

			res, err := Run(t.Context(), Client{Git: client.Git, Commits: client.Repositories, Tags: client.Git, Releases: client.Repositories},
				Options{Owner: "BTCDecoded", Repo: "bllvm", Name: name, PushTag: true})

			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				var mismatch *CommitMismatchError
				assert.True(t, errors.As(err, &mismatch), "a *CommitMismatchError: %v", err)
				return
			}
			require.NoError(t, err)
			created, _ := res.Get("created")
			assert.Equal(t, tt.wantCreated, created)
			assert.True(t, strings.EqualFold(sha, fake.Tags(repo)[name.Tag]), "the tag names %s", sha)
		})
	}
}
