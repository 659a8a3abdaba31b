package dispatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/runs"
)

const (
	runsRoute = "GET /repos/BTCDecoded/bllvm/actions/runs"
	// hostileLimit bounds every test here: past it the fake fails the
	// test and answers 400, so a loop that never stops still ends.
	hostileLimit = 150
)

// followThrough dispatches to BTCDecoded/bllvm, whose workflow echoes the
// dispatch id in its run-name, and follows the run through answers GitHub
// does not give: answers(id) for the dispatch id. It returns the error and
// the requests the fake saw.
func followThrough(t *testing.T, answers func(dispatchID string) []githubtest.Hostile) (error, []githubtest.Request) {
	t.Helper()
	req, err := Prepare(inputs.Dispatch{Branches: []string{"main"}}, consensusContext(), nil)
	require.NoError(t, err)
	clock := githubtest.NewClock(time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC))
	fake := githubtest.New(t, githubtest.WithRepository("BTCDecoded/bllvm"), githubtest.WithClock(clock.Now),
		githubtest.WithDispatchRuns(func(_ string, payload map[string]any) string { return fmt.Sprintf("build %v", payload["dispatch_id"]) }))
	fake.ScriptNextRuns(githubtest.RunStep{Status: "completed", Conclusion: "success"})
	sleep := func(_ context.Context, d time.Duration) error {
		clock.Advance(d)
		return nil
	}
	client, err := github.NewClient(github.Config{HTTPClient: fake.HostileClient(hostileLimit, answers(req.DispatchID)...), MaxWait: time.Minute, Sleep: sleep})
	require.NoError(t, err)
	follower := &Follower{
		Runs: client.Actions,
		GetRun: func(ctx context.Context, id int64, etag string) (*gh.WorkflowRun, string, bool, error) {
			return github.GetRun(ctx, client, "BTCDecoded", "bllvm", id, etag)
		},
		Timeout: time.Hour, Poll: runs.DefaultPoll, Now: clock.Now, Sleep: sleep,
		Logf: func(string, ...any) {},
	}

	_, err = Run(t.Context(), client.Repositories, req, consensusContext(), false, follower)
	return err, fake.Requests()
}

// requireAnswerError checks that err is one line, an *github.AnswerError
// of route, saying problem.
func requireAnswerError(t *testing.T, err error, route, problem string) {
	t.Helper()
	require.Error(t, err)
	var answerErr *github.AnswerError
	require.True(t, errors.As(err, &answerErr), "an answer error: %v", err)
	assert.Equal(t, route, answerErr.Route)
	assert.Contains(t, err.Error(), problem)
	assert.NotContains(t, err.Error(), "\n")
}

// The search for the dispatch's run stops when the runs' Link header
// does not lead forward, naming the route, and at the page cap.
func TestFollowStopsWhenPagesDoNotAdvance(t *testing.T) {
	tests := []struct {
		name     string
		next     func(int) int
		listings int // runs listings sent, until the error
		problem  string
	}{
		{"the same page", githubtest.SamePage, 1, "the answer for page 1 names page 1 as the next, which does not come after it"},
		{"an earlier page", githubtest.EarlierPage, 2, "the answer for page 3 names page 2 as the next"},
		{"a loop", githubtest.PageLoop, 2, "the answer for page 2 names page 1 as the next"},
		{"endless", githubtest.EndlessPages, github.MaxPages, "the listing goes on past 100 pages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err, requests := followThrough(t, func(string) []githubtest.Hostile {
				return []githubtest.Hostile{{Method: "GET", Path: "/repos/*/*/actions/runs", Next: tt.next}}
			})

			requireAnswerError(t, err, runsRoute, tt.problem)
			assert.Equal(t, 1+tt.listings, len(requests), "the dispatch, then the listings")
		})
	}
}

// A runs listing without what the search reads of it is an error naming
// the route, not a panic, nor a search that never finds the run.
func TestFollowRefusesMalformedRuns(t *testing.T) {
	tests := []struct {
		name    string
		body    func(dispatchID string) string
		problem string
	}{
		{"null", func(string) string { return "null" }, "the answer is null, not the list of runs"},
		{"no workflow_runs", func(string) string { return `{"total_count": 1}` }, "the answer has no workflow_runs"},
		{"the run without its id", func(id string) string {
			return `{"total_count": 1, "workflow_runs": [{"display_title": "build ` + id + `", "html_url": "https://github.com/BTCDecoded/bllvm/actions/runs/9"}]}`
		}, "lists a run of dispatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err, requests := followThrough(t, func(id string) []githubtest.Hostile {
				return []githubtest.Hostile{{Method: "GET", Path: "/repos/*/*/actions/runs", Body: tt.body(id)}}
			})

			requireAnswerError(t, err, runsRoute, tt.problem)
			assert.Len(t, requests, 2, "the dispatch and one listing")
			for _, r := range requests {
				assert.False(t, strings.HasPrefix(r.Path, "/repos/BTCDecoded/bllvm/actions/runs/"), "no run read: %s", r.Path)
			}
		})
	}
}
