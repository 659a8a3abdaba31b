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
	"github.com/BTCDecoded/release-action/internal/manifest"
)

const (
	hostileRepo = "BTCDecoded/bllvm"
	component   = "BTCDecoded/bllvm-consensus"
	// hostileLimit bounds every test here: past it the fake fails the
	// test and answers 400, so a loop that never stops still ends.
	hostileLimit = 150
)

// hostileWorld is the orchestrator and one component, and the action's
// client to them through answers GitHub does not give.
func hostileWorld(t *testing.T, answers ...githubtest.Hostile) (*githubtest.Server, Client) {
	t.Helper()
	fake := githubtest.New(t, githubtest.WithRepository(hostileRepo), githubtest.WithRepository(component),
		githubtest.WithClock(githubtest.NewClock(day("2025-11-17").Add(2*time.Hour)).Now))
	fake.AddCommit(hostileRepo, sha)
	client, err := github.NewClient(github.Config{HTTPClient: fake.HostileClient(hostileLimit, answers...), MaxWait: time.Minute, Sleep: func(context.Context, time.Duration) error { return nil }})
	require.NoError(t, err)
	return fake, Client{Git: client.Git, Commits: client.Repositories, Tags: client.Git, Releases: client.Repositories, Compare: client.Repositories}
}

// requireAnswerError checks that err is one line, an *github.AnswerError
// whose route starts with route.
func requireAnswerError(t *testing.T, err error, route, problem string) {
	t.Helper()
	require.Error(t, err)
	var answerErr *github.AnswerError
	require.True(t, errors.As(err, &answerErr), "an answer error: %v", err)
	assert.True(t, strings.HasPrefix(answerErr.Route, route), "route %q starts with %q", answerErr.Route, route)
	assert.Contains(t, err.Error(), problem)
	assert.NotContains(t, err.Error(), "\n")
}

// Every listing stops when GitHub's Link header does not lead forward,
// naming the route, and goes no further than its bound: an error at the
// page cap for the tags, the search depth of maxBasePages for releases.
func TestListingsStopWhenPagesDoNotAdvance(t *testing.T) {
	const refsRoute = "GET /repos/BTCDecoded/bllvm/git/matching-refs/tags/nightly-"
	const releasesRoute = "GET /repos/BTCDecoded/bllvm/releases"
	listings := []struct {
		name, path, route string
		list              func(ctx context.Context, c Client) error
		// endless is what an endless listing costs, and whether it fails.
		endlessRequests int
		endlessErr      string
	}{
		{"tags", "/repos/BTCDecoded/bllvm/git/matching-refs/tags/nightly-", refsRoute, func(ctx context.Context, c Client) error {
			_, err := List(ctx, c.Git, "BTCDecoded", "bllvm", "nightly")
			return err
		}, github.MaxPages, "the listing goes on past 100 pages"},
		{"base", "/repos/BTCDecoded/bllvm/releases", releasesRoute, func(ctx context.Context, c Client) error {
			_, found, _, err := FindBase(ctx, c.Releases, c.Tags, "BTCDecoded", "bllvm", "nightly")
			if err == nil && found {
				return errors.New("a base found among no releases")
			}
			return err
		}, maxBasePages, ""},
		{"previous", "/repos/BTCDecoded/bllvm/releases", releasesRoute, func(ctx context.Context, c Client) error {
			older := []Tag{{Name: "nightly-20251110-fffffff", Date: "20251110", Short: "fffffff", Suffix: 1}}
			_, found, err := NewestPublished(ctx, NewReader(c.Tags, c.Commits, "BTCDecoded", "bllvm"), c.Releases, "BTCDecoded", "bllvm", older)
			if err == nil && found {
				return errors.New("a previous nightly found among no releases")
			}
			return err
		}, maxBasePages, ""},
	}
	links := []struct {
		name     string
		next     func(int) int
		requests int // until the error
		problem  string
	}{
		{"the same page", githubtest.SamePage, 1, "the answer for page 1 names page 1 as the next, which does not come after it"},
		{"an earlier page", githubtest.EarlierPage, 2, "the answer for page 3 names page 2 as the next"},
		{"a loop", githubtest.PageLoop, 2, "the answer for page 2 names page 1 as the next"},
		{"endless", githubtest.EndlessPages, 0, ""},
	}
	for _, l := range listings {
		for _, link := range links {
			t.Run(l.name+", "+link.name, func(t *testing.T) {
				fake, c := hostileWorld(t, githubtest.Hostile{Method: "GET", Path: l.path, Next: link.next})

				err := l.list(t.Context(), c)

				requests, problem := link.requests, link.problem
				if link.problem == "" {
					requests, problem = l.endlessRequests, l.endlessErr
				}
				assert.Equal(t, requests, len(fake.Requests()), "requests sent")
				if problem == "" {
					require.NoError(t, err)
					return
				}
				requireAnswerError(t, err, l.route, problem)
			})
		}
	}
}

// An answer without what the action reads of it (null where GitHub
// documents an object or an array, an object without its fields) is an
// error naming the route, never a default that decides the run.
func TestMalformedAnswersNameTheRoute(t *testing.T) {
	name := NewName("nightly", day("2025-11-17"), sha, 7)
	const other = "ffffffffffffffffffffffffffffffffffffffff"
	componentWas := strings.Repeat("c1", 20)
	componentIs := strings.Repeat("c2", 20)
	snapshot := manifest.Manifest{{Component: "consensus", Repository: component, SHA: componentIs, Rebuilt: true}}
	run := func(m manifest.Manifest) func(context.Context, Client) error {
		return func(ctx context.Context, c Client) error {
			_, err := Run(ctx, c, Options{Owner: "BTCDecoded", Repo: "bllvm", Name: name, PushTag: true, Manifest: m})
			return err
		}
	}
	tests := []struct {
		name   string
		answer githubtest.Hostile
		setup  func(fake *githubtest.Server)
		call   func(context.Context, Client) error
		route  string
	}{
		{"the tags listing is null", githubtest.Hostile{Method: "GET", Path: "/repos/*/*/git/matching-refs/tags/*", Body: "null"},
			nil, run(nil), "GET /repos/BTCDecoded/bllvm/git/matching-refs/tags/nightly-"},
		{"a listed nightly without its object", githubtest.Hostile{Method: "GET", Path: "/repos/*/*/git/matching-refs/tags/*", Body: `[{"ref": "refs/tags/nightly-20251110-fffffff"}]`},
			nil, run(nil), "GET /repos/BTCDecoded/bllvm/git/matching-refs/tags/nightly-"},
		{"the tag read after a refused create is null", githubtest.Hostile{Method: "GET", Path: "/repos/*/*/git/ref/tags/*", Body: "null"},
			func(fake *githubtest.Server) {
				fake.BeforeNext("POST", "/repos/BTCDecoded/bllvm/git/refs", func() { fake.SetTag(hostileRepo, name.Tag, sha) })
			}, run(nil), "GET /repos/BTCDecoded/bllvm/git/ref/tags/" + name.Tag},
		{"the tag read after a refused create has no object", githubtest.Hostile{Method: "GET", Path: "/repos/*/*/git/ref/tags/*", Body: `{"ref": "refs/tags/` + name.Tag + `"}`},
			func(fake *githubtest.Server) {
				fake.BeforeNext("POST", "/repos/BTCDecoded/bllvm/git/refs", func() { fake.SetTag(hostileRepo, name.Tag, sha) })
			}, run(nil), "GET /repos/BTCDecoded/bllvm/git/ref/tags/" + name.Tag},
		{"a nightly's tag object is null", githubtest.Hostile{Method: "GET", Path: "/repos/*/*/git/tags/*", Body: "null"},
			func(fake *githubtest.Server) { fake.SetAnnotatedTag(hostileRepo, name.Tag, sha, "by hand") },
			run(nil), "GET /repos/BTCDecoded/bllvm/git/tags/"},
		{"a nightly's commit is null", githubtest.Hostile{Method: "GET", Path: "/repos/*/*/commits/*", Body: "null"},
			func(fake *githubtest.Server) {
				fake.AddCommit(hostileRepo, other)
				fake.AddCommit(hostileRepo, strings.Repeat("e", 40))
				fake.SetTag(hostileRepo, "nightly-20251110-fffffff", other)
				fake.SetTag(hostileRepo, "nightly-20251110-eeeeeee", strings.Repeat("e", 40))
			}, run(nil), "GET /repos/BTCDecoded/bllvm/commits/"},
		{"the created tag object is null", githubtest.Hostile{Method: "POST", Path: "/repos/*/*/git/tags", Body: "null"},
			func(fake *githubtest.Server) { fake.AddCommit(component, componentIs) },
			run(snapshot), "POST /repos/BTCDecoded/bllvm/git/tags"},
		{"a compare is null", githubtest.Hostile{Method: "GET", Path: "/repos/*/*/compare/*", Body: "null"},
			func(fake *githubtest.Server) {
				fake.AddCommit(component, componentWas)
				fake.AddCommitOn(component, componentWas, componentIs)
				was := manifest.Manifest{{Component: "consensus", Repository: component, SHA: componentWas, Rebuilt: true}}
				fake.SetAnnotatedTag(hostileRepo, "nightly-20251110-fffffff", other, manifest.Message("nightly-20251110-fffffff", hostileRepo, other, was))
			}, run(snapshot), "GET /repos/BTCDecoded/bllvm-consensus/compare/"},
		{"the releases listing is null", githubtest.Hostile{Method: "GET", Path: "/repos/*/*/releases", Body: "null"},
			nil, func(ctx context.Context, c Client) error {
				_, _, _, err := FindBase(ctx, c.Releases, c.Tags, "BTCDecoded", "bllvm", "nightly")
				return err
			}, "GET /repos/BTCDecoded/bllvm/releases"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, c := hostileWorld(t, tt.answer)
			if tt.setup != nil {
				tt.setup(fake)
			}

			err := tt.call(t.Context(), c)

			requireAnswerError(t, err, tt.route, "")
		})
	}
}
