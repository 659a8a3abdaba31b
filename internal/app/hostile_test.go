package app

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// hostileLimit bounds each run here: past it the fake fails the test and
// answers 400, so a program that loops still ends.
const hostileLimit = 150

// An answer GitHub does not give (Link headers that lead nowhere new,
// null where it documents an object or a list) fails the step with one
// ::error:: line naming the route, after a bounded number of requests.
func TestHostileAnswersFailWithOneLineNamingTheRoute(t *testing.T) {
	tests := []struct {
		name      string
		world     func(t *testing.T) *world
		answer    githubtest.Hostile
		wantError string
		// maxRequests bounds the run; 0 means a few (5).
		maxRequests int
	}{
		{"trigger-orchestrator: the runs listing is null", func(t *testing.T) *world { return waitWorld(t, nil) },
			githubtest.Hostile{Method: "GET", Path: "/repos/*/*/actions/runs", Body: "null"},
			"GET /repos/BTCDecoded/bllvm/actions/runs: the answer is null, not the list of runs", 0},
		{"trigger-orchestrator: the runs' next page is the same", func(t *testing.T) *world { return waitWorld(t, nil) },
			githubtest.Hostile{Method: "GET", Path: "/repos/*/*/actions/runs", Next: githubtest.SamePage},
			"GET /repos/BTCDecoded/bllvm/actions/runs: the answer for page 1 names page 1 as the next", 0},
		{"nightly-tag: the tags' pages loop", func(t *testing.T) *world {
			return releaseWorld(t, "nightly-tag").with(map[string]string{"INPUT_PUSH-TAG": "true"})
		}, githubtest.Hostile{Method: "GET", Path: "/repos/*/*/git/matching-refs/tags/*", Next: githubtest.PageLoop},
			"GET /repos/BTCDecoded/bllvm/git/matching-refs/tags/nightly-: the answer for page 2 names page 1 as the next", 0},
		{"nightly-tag: the tags listing is null", func(t *testing.T) *world {
			return releaseWorld(t, "nightly-tag").with(map[string]string{"INPUT_PUSH-TAG": "true"})
		}, githubtest.Hostile{Method: "GET", Path: "/repos/*/*/git/matching-refs/tags/*", Body: "null"},
			"GET /repos/BTCDecoded/bllvm/git/matching-refs/tags/nightly-: the answer is null, not the list of tags", 0},
		{"create-prerelease: the releases' next page is an earlier one", func(t *testing.T) *world {
			return releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_GENERATE-NOTES": "false"})
		}, githubtest.Hostile{Method: "GET", Path: "/repos/*/*/releases", Next: githubtest.EarlierPage},
			"list releases of BTCDecoded/bllvm: GET /repos/BTCDecoded/bllvm/releases: the answer for page", 0},
		{"create-prerelease: the releases' pages never end", func(t *testing.T) *world {
			return releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_GENERATE-NOTES": "false"})
		}, githubtest.Hostile{Method: "GET", Path: "/repos/*/*/releases", Next: githubtest.EndlessPages},
			"GET /repos/BTCDecoded/bllvm/releases: the listing goes on past 100 pages", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.world(t)

			o := w.runThrough(w.srv.HostileClient(hostileLimit, tt.answer))

			assert.Equal(t, 1, o.code, o.stdout)
			assert.Contains(t, errorLine(t, o.stdout), tt.wantError)
			if tt.maxRequests == 0 {
				tt.maxRequests = 5
			}
			assert.LessOrEqual(t, len(w.srv.Requests()), tt.maxRequests, "bounded, not a loop")
		})
	}
}

// A manifest that gives a key twice is refused before anything is sent,
// naming the key.
func TestManifestWithAKeyTwiceIsRefused(t *testing.T) {
	const valid = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	w := releaseWorld(t, "nightly-tag").with(map[string]string{
		"INPUT_PUSH-TAG": "true",
		"INPUT_MANIFEST": `{"consensus": {"repository": "BTCDecoded/bllvm-consensus", "sha": "zz", "sha": "` + valid + `"}}`,
	})

	o := w.run()

	assert.Equal(t, 1, o.code, o.stdout)
	assert.Contains(t, errorLine(t, o.stdout), `component consensus has key "sha" twice`)
	assert.Empty(t, o.requests)
}

// A racing run's annotated tag of this very commit is that run's tag:
// success, not created here, and never "at another commit".
func TestNightlyTagRacedByAnAnnotatedTagOfTheSameCommit(t *testing.T) {
	w := releaseWorld(t, "nightly-tag").with(map[string]string{"INPUT_PUSH-TAG": "true"})
	tag := "nightly-20251117-" + pushSHA[:7]
	w.srv.BeforeNext("POST", "/repos/BTCDecoded/bllvm/git/refs", func() {
		w.srv.SetAnnotatedTag(orchestrator, tag, pushSHA, "pushed by hand")
	})

	o := w.run()

	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, tag, o.outputs["tag"])
	assert.Equal(t, "false", o.outputs["created"])
	assert.NotContains(t, o.stdout, "another commit")
}
