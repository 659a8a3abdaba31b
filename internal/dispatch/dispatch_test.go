package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/runs"
)

func TestEventType(t *testing.T) {
	tests := []struct {
		name         string
		repo         string
		orchestrator string
		wantEvent    string
	}{
		{"consensus repo", "BTCDecoded/bllvm-consensus", "BTCDecoded/bllvm", "build_consensus"},
		{"protocol repo", "BTCDecoded/bllvm-protocol", "BTCDecoded/bllvm", "build_protocol"},
		{"node repo", "BTCDecoded/bllvm-node", "BTCDecoded/bllvm", "build_node"},
		{"sdk repo", "BTCDecoded/bllvm-sdk", "BTCDecoded/bllvm", "build_sdk"},
		{"app suffix dropped", "BTCDecoded/governance-app", "BTCDecoded/bllvm", "build_governance"},
		{"the default graph's repository of a component", "BTCDecoded/bllvm-commons", "BTCDecoded/bllvm", "build_governance"},
		{"orchestrator to itself", "BTCDecoded/bllvm", "BTCDecoded/bllvm", "build_all"},
		{"orchestrator to itself, other case", "btcdecoded/BLLVM", "BTCDecoded/bllvm", "build_all"},
		{"other characters become underscores", "BTCDecoded/Release.Action-x", "BTCDecoded/bllvm", "build_release_action_x"},
		{"only the leading prefix goes", "BTCDecoded/bllvm-bllvm-app-app", "BTCDecoded/bllvm", "build_bllvm_app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EventType(tt.repo, tt.orchestrator)
			require.NoError(t, err)
			assert.Equal(t, tt.wantEvent, got)
		})
	}
}

func TestEventTypeCannotBeDerived(t *testing.T) {
	for _, repo := range []string{"BTCDecoded/bllvm-", "BTCDecoded/---", "BTCDecoded/" + strings.Repeat("a", 100), "BTCDecoded/bllvm-all", "BTCDecoded/all-app"} {
		_, err := EventType(repo, "BTCDecoded/bllvm")
		require.Error(t, err, repo)
		assert.Contains(t, err.Error(), "input event-type: ")
	}
}

func TestMatchBranch(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		ref      string
		want     bool
		why      string
	}{
		{"main allowed", []string{"main", "master"}, "refs/heads/main", true, ""},
		{"master allowed", []string{"main", "master"}, "refs/heads/master", true, ""},
		{"feature branch skipped", []string{"main", "master"}, "refs/heads/feature", false, "branch feature is not one of main, master"},
		{"star allows every branch", []string{"*"}, "refs/heads/feature/deep/x", true, ""},
		{"double star allows every branch", []string{"**"}, "refs/heads/a/b", true, ""},
		{"glob does not cross slash", []string{"release-*"}, "refs/heads/release-1/x", false, "not one of"},
		{"double star crosses slash", []string{"release/**"}, "refs/heads/release/1/x", true, ""},
		{"negation after match excludes", []string{"release/**", "!release/old"}, "refs/heads/release/old", false, "not one of"},
		{"later pattern re-includes", []string{"!release/old", "release/**"}, "refs/heads/release/old", true, ""},
		{"tag never matches", []string{"*"}, "refs/tags/v1.0.0", false, "ref refs/tags/v1.0.0 is a tag, not a branch"},
		{"pull request never matches", []string{"*"}, "refs/pull/12/merge", false, "is a pull request, not a branch"},
		{"tag named like a branch", []string{"main"}, "refs/tags/main", false, "is a tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := MatchBranch(tt.patterns, tt.ref)
			assert.Equal(t, tt.want, got)
			if tt.why == "" {
				assert.Empty(t, why)
			} else {
				assert.Contains(t, why, tt.why)
			}
		})
	}
}

func consensusContext() event.Context {
	return event.Context{
		Repository: "BTCDecoded/bllvm-consensus",
		SHA:        "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
		Ref:        "refs/heads/main",
		RunID:      1234,
		RunAttempt: 1,
		Job:        "trigger-orchestrator",
		Step:       "__BTCDecoded_release-action",
	}
}

func TestPrepare(t *testing.T) {
	tests := []struct {
		name        string
		in          inputs.Dispatch
		ev          func(*event.Context)
		wantOrch    string
		wantEvent   string
		wantPayload map[string]any
		wantSkip    string
	}{
		{
			name:      "defaults",
			in:        inputs.Dispatch{Branches: []string{"main"}},
			wantOrch:  "BTCDecoded/bllvm",
			wantEvent: "build_consensus",
			wantPayload: map[string]any{
				"ref": "refs/heads/main", "sha": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "repo": "bllvm-consensus",
			},
		},
		{
			name: "client payload merged over the default, its keys win",
			in: inputs.Dispatch{Branches: []string{"main"}, Orchestrator: "other/orch", EventType: "custom", ClientPayload: map[string]json.RawMessage{
				"ref": json.RawMessage(`"refs/heads/override"`), "extra": json.RawMessage(`{"n":1}`),
			}},
			wantOrch:  "other/orch",
			wantEvent: "custom",
			wantPayload: map[string]any{
				"ref": "refs/heads/override", "sha": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "repo": "bllvm-consensus", "extra": map[string]any{"n": float64(1)},
			},
		},
		{
			name:      "skipped on another branch, still fully prepared",
			in:        inputs.Dispatch{Branches: []string{"main"}},
			ev:        func(c *event.Context) { c.Ref = "refs/heads/dev" },
			wantOrch:  "BTCDecoded/bllvm",
			wantEvent: "build_consensus",
			wantPayload: map[string]any{
				"ref": "refs/heads/dev", "sha": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "repo": "bllvm-consensus",
			},
			wantSkip: "branch dev is not one of main",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := consensusContext()
			if tt.ev != nil {
				tt.ev(&ev)
			}
			req, err := Prepare(tt.in, ev, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.wantOrch, req.Orchestrator)
			assert.Equal(t, tt.wantEvent, req.EventType)
			assert.Equal(t, tt.wantSkip != "", req.Skip != "")
			assert.Contains(t, req.Skip, tt.wantSkip)
			var payload map[string]any
			require.NoError(t, json.Unmarshal(req.Payload, &payload))
			assert.Regexp(t, `^1234-1-[0-9a-f]{8}$`, payload["dispatch_id"])
			assert.Equal(t, payload["dispatch_id"], req.DispatchID)
			delete(payload, "dispatch_id")
			assert.Equal(t, tt.wantPayload, payload)
		})
	}
}

func TestDispatchID(t *testing.T) {
	base := consensusContext()
	id := func(change func(*event.Context), eventType string) string {
		ev := base
		if change != nil {
			change(&ev)
		}
		req, err := Prepare(inputs.Dispatch{Branches: []string{"*"}, EventType: eventType}, ev, nil)
		require.NoError(t, err)
		return req.DispatchID
	}
	first := id(nil, "")
	assert.Equal(t, first, id(nil, ""), "stable within a run attempt, so a retried request carries the same id")
	assert.NotEqual(t, first, id(func(c *event.Context) { c.RunAttempt = 2 }, ""), "a rerun is a new dispatch")
	assert.NotEqual(t, first, id(func(c *event.Context) { c.Step = "second" }, ""), "another step")
	assert.NotEqual(t, first, id(func(c *event.Context) { c.Repository = "BTCDecoded/bllvm-node" }, ""), "another repository")
	assert.NotEqual(t, first, id(nil, "build_all"), "another event type")

	ev := base
	ev.RunID = 0
	req, err := Prepare(inputs.Dispatch{Branches: []string{"*"}}, ev, bytes.NewReader(bytes.Repeat([]byte{0xab}, 8)))
	require.NoError(t, err)
	assert.Equal(t, "local-abababababababab", req.DispatchID, "outside Actions it is random")

	req, err = Prepare(inputs.Dispatch{Branches: []string{"*"}, ClientPayload: map[string]json.RawMessage{"dispatch_id": json.RawMessage(`"mine"`)}}, base, nil)
	require.NoError(t, err)
	assert.Equal(t, "mine", req.DispatchID, "a dispatch_id in client-payload wins")
}

func TestPrepareEnforcesGitHubLimits(t *testing.T) {
	tooMany := map[string]json.RawMessage{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		tooMany[k] = json.RawMessage(`1`)
	}
	sixMore := map[string]json.RawMessage{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		sixMore[k] = json.RawMessage(`1`)
	}
	big := map[string]json.RawMessage{"blob": json.RawMessage(`"` + strings.Repeat("x", MaxPayloadBytes) + `"`)}
	tests := []struct {
		name    string
		payload map[string]json.RawMessage
		wantErr string
	}{
		{"ten properties is the limit", sixMore, ""},
		{"eleven properties", tooMany, "would have 11 top-level properties"},
		{"too many bytes", big, "bytes; GitHub allows at most 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Prepare(inputs.Dispatch{Branches: []string{"*"}, ClientPayload: tt.payload}, consensusContext(), nil)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "input client-payload: ")
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestPrepareNeedsContext(t *testing.T) {
	_, err := Prepare(inputs.Dispatch{Branches: []string{"*"}}, event.Context{}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--repository=owner/name")
	assert.Contains(t, err.Error(), "--sha=")
	assert.Contains(t, err.Error(), "--ref=")
}

func TestCarries(t *testing.T) {
	const id = "7001-1-ab12cd34"
	tests := []struct {
		title string
		want  bool
	}{
		{"build 7001-1-ab12cd34", true},
		{"7001-1-ab12cd34", true},
		{"build [7001-1-ab12cd34] consensus", true},
		{"build 17001-1-ab12cd34", false},
		{"build 7001-1-ab12cd345", false},
		{"build 7001-1-ab12cd34.2", false},
		{"build 17001-1-ab12cd34 then 7001-1-ab12cd34", true},
		{"Release Orchestrator", false},
		{"", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, carries(tt.title, id), tt.title)
	}
}

type sentDispatch struct{}

func (sentDispatch) Dispatch(context.Context, string, string, gh.DispatchRequestOptions) (*gh.Repository, *gh.Response, error) {
	return nil, nil, nil
}

// oneRun lists the run of a dispatch, as the server describes it.
type oneRun struct{ run *gh.WorkflowRun }

func (l oneRun) ListRepositoryWorkflowRuns(context.Context, string, string, *gh.ListWorkflowRunsOptions) (*gh.WorkflowRuns, *gh.Response, error) {
	return &gh.WorkflowRuns{WorkflowRuns: []*gh.WorkflowRun{l.run}}, &gh.Response{}, nil
}

// What the server says about the run (its URL, its conclusion) reaches the
// log, the error and the summary: there it can neither add a line, nor
// break the table, nor open HTML.
func TestFollowKeepsServerValuesInert(t *testing.T) {
	const plainURL = "https://github.com/BTCDecoded/bllvm/actions/runs/9"
	tests := []struct {
		name, url, conclusion string
		wantErr               string
		wantRow               string
	}{
		{"plain", plainURL, "success", "", "| Run | [" + plainURL + "](" + plainURL + ") |"},
		{"a URL with a line break and HTML", plainURL + "\n| x | <img src=x onerror=alert(1)> |", "success", "",
			"| Run | [https://github.com/BTCDecoded/bllvm/actions/runs/9 \\| x \\| &lt;img src=x onerror=alert(1)&gt; \\|](" + plainURL + "%0A%7C%20x%20%7C%20%3Cimg%20src=x%20onerror=alert%281%29%3E%20%7C) |"},
		{"a URL that is a script", "javascript:alert(1)", "success", "", "| Run | javascript:alert(1) |"},
		{"a conclusion with a command on a new line", plainURL, "failure\n::add-mask::x", `concluded "failure\n::add-mask::x": see ` + plainURL, ""},
		{"a URL with a line break in the error", plainURL + "\r\n::error::forged", "failure", `concluded failure: see "` + plainURL + `\r\n::error::forged"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := consensusContext()
			ev.ServerURL = "https://github.com"
			req, err := Prepare(inputs.Dispatch{Branches: []string{"main"}}, ev, nil)
			require.NoError(t, err)
			run := &gh.WorkflowRun{ID: gh.Int64(9), DisplayTitle: gh.String("build " + req.DispatchID), HTMLURL: gh.String(tt.url),
				Status: gh.String("completed"), Conclusion: gh.String(tt.conclusion)}
			var logged []string
			now := time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC)
			follower := &Follower{
				Runs: oneRun{run},
				GetRun: func(context.Context, int64, string) (*gh.WorkflowRun, string, bool, error) {
					return run, `"etag"`, false, nil
				},
				Timeout: time.Minute, Poll: runs.DefaultPoll,
				Now:   func() time.Time { return now },
				Sleep: func(context.Context, time.Duration) error { return nil },
				Logf:  func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) },
			}
			res, err := Run(context.Background(), sentDispatch{}, req, ev, false, follower)
			for _, line := range logged {
				assert.NotContains(t, line, "\n")
				assert.NotContains(t, line, "\r")
			}
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), "\n")
				assert.NotContains(t, err.Error(), "\r")
				return
			}
			require.NoError(t, err)
			md := res.Summary.Markdown()
			assert.Contains(t, strings.Split(md, "\n"), tt.wantRow, md)
			assert.NotContains(t, md, "<")
		})
	}
}

// laterRun lists the dispatch's run only from the listing after hidden
// ones; the run then plays its statuses, one per look.
type laterRun struct {
	run      *gh.WorkflowRun
	hidden   int
	listings int
}

func (l *laterRun) ListRepositoryWorkflowRuns(context.Context, string, string, *gh.ListWorkflowRunsOptions) (*gh.WorkflowRuns, *gh.Response, error) {
	l.listings++
	if l.listings <= l.hidden {
		return &gh.WorkflowRuns{WorkflowRuns: []*gh.WorkflowRun{}}, &gh.Response{}, nil
	}
	return &gh.WorkflowRuns{WorkflowRuns: []*gh.WorkflowRun{l.run}}, &gh.Response{}, nil
}

// Following a dispatch tells each stage: the search while the run does not
// show, the run's URL once found, each change of its status, and a line at
// least every minute while nothing changes.
func TestFollowTellsProgress(t *testing.T) {
	const url = "https://github.com/BTCDecoded/bllvm/actions/runs/9"
	tests := []struct {
		name     string
		hidden   int      // listings without the run
		statuses []string // one per look at the run; the last is completed
		want     []string // every line, each after the seconds it was said at
	}{
		{"found at once, done at once", 0, []string{"completed"}, []string{
			"0 dispatch <id> started run 9",
			"0 waiting for " + url,
			"0 status: completed (success)",
		}},
		{"found late, then queued and running", 6, []string{"queued", "in_progress", "in_progress", "in_progress", "in_progress", "completed"}, []string{
			"0 no run of BTCDecoded/bllvm carries dispatch <id> yet; looking again in 5s",
			"50 still no run of BTCDecoded/bllvm carries dispatch <id> after 50s",
			"105 dispatch <id> started run 9",
			"105 waiting for " + url,
			"105 run 9 is queued; looking again in 5s",
			"110 status: queued → in_progress",
			"155 still in_progress after 50s",
			"180 status: in_progress → completed (success)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Prepare(inputs.Dispatch{Branches: []string{"main"}}, consensusContext(), nil)
			require.NoError(t, err)
			run := &gh.WorkflowRun{ID: gh.Int64(9), DisplayTitle: gh.String("build " + req.DispatchID), HTMLURL: gh.String(url)}
			looks := 0
			start := time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC)
			now := start
			var logged []string
			var at []time.Duration
			follower := &Follower{
				Runs: &laterRun{run: run, hidden: tt.hidden},
				GetRun: func(context.Context, int64, string) (*gh.WorkflowRun, string, bool, error) {
					status := tt.statuses[min(looks, len(tt.statuses)-1)]
					looks++
					answer := &gh.WorkflowRun{ID: run.ID, HTMLURL: run.HTMLURL, Status: gh.String(status)}
					if status == "completed" {
						answer.Conclusion = gh.String("success")
					}
					return answer, `"` + status + `"`, false, nil
				},
				Timeout: time.Hour, Poll: runs.DefaultPoll,
				Now: func() time.Time { return now },
				Sleep: func(_ context.Context, d time.Duration) error {
					now = now.Add(d)
					return nil
				},
				Logf: func(format string, args ...any) {
					line := strings.ReplaceAll(fmt.Sprintf(format, args...), req.DispatchID, "<id>")
					at = append(at, now.Sub(start))
					logged = append(logged, fmt.Sprintf("%d %s", int(now.Sub(start).Seconds()), line))
				},
			}
			res, err := Run(context.Background(), sentDispatch{}, req, consensusContext(), false, follower)
			require.NoError(t, err)
			conclusion, _ := res.Get("conclusion")
			assert.Equal(t, "success", conclusion)
			assert.Equal(t, tt.want, logged)
			for i := 1; i < len(at); i++ {
				assert.LessOrEqual(t, at[i]-at[i-1], runs.StillEvery, "no quiet stretch over a minute before %q", logged[i])
			}
		})
	}
}
