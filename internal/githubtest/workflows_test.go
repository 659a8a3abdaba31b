package githubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dispatchRequest is the body of a workflow_dispatch; go-github v66 has no
// return_run_details.
type dispatchRequest struct {
	Ref              string         `json:"ref"`
	Inputs           map[string]any `json:"inputs,omitempty"`
	ReturnRunDetails *bool          `json:"return_run_details,omitempty"`
}

func dispatchWorkflow(t *testing.T, client *gh.Client, workflow string, body dispatchRequest) (*gh.Response, map[string]any, error) {
	t.Helper()
	req, err := client.NewRequest(http.MethodPost, "repos/BTCDecoded/bllvm/actions/workflows/"+workflow+"/dispatches", body)
	require.NoError(t, err)
	var details map[string]any
	resp, err := client.Do(t.Context(), req, &details)
	return resp, details, err
}

func TestWorkflowDispatch(t *testing.T) {
	tests := []struct {
		name        string
		opts        []Option
		setup       func(*Server)
		body        dispatchRequest
		wantStatus  int
		wantMessage string
		wantDetails bool
		wantRun     Run
	}{
		{
			name:        "run details asked for",
			body:        dispatchRequest{Ref: "main", Inputs: map[string]any{"tag": "v1"}, ReturnRunDetails: gh.Bool(true)},
			wantStatus:  http.StatusOK,
			wantDetails: true,
			wantRun:     Run{HeadBranch: "main"},
		},
		{
			name:       "run details declined",
			body:       dispatchRequest{Ref: "main", ReturnRunDetails: gh.Bool(false)},
			wantStatus: http.StatusNoContent,
			wantRun:    Run{HeadBranch: "main"},
		},
		{
			name:       "run details not mentioned",
			body:       dispatchRequest{Ref: "main"},
			wantStatus: http.StatusNoContent,
			wantRun:    Run{HeadBranch: "main"},
		},
		{
			name:        "enterprise server before 3.21 refuses the key with 422",
			opts:        []Option{WithoutRunDetails(http.StatusUnprocessableEntity)},
			body:        dispatchRequest{Ref: "main", ReturnRunDetails: gh.Bool(true)},
			wantStatus:  http.StatusUnprocessableEntity,
			wantMessage: "Invalid request.\n\n\"return_run_details\" is not a permitted key.",
		},
		{
			name:        "enterprise server before 3.21 refuses the key with 400",
			opts:        []Option{WithoutRunDetails(http.StatusBadRequest)},
			body:        dispatchRequest{Ref: "main", ReturnRunDetails: gh.Bool(false)},
			wantStatus:  http.StatusBadRequest,
			wantMessage: "Invalid request.\n\n\"return_run_details\" is not a permitted key.",
		},
		{
			name:       "enterprise server before 3.21 without the key",
			opts:       []Option{WithoutRunDetails(http.StatusUnprocessableEntity)},
			body:       dispatchRequest{Ref: "main"},
			wantStatus: http.StatusNoContent,
			wantRun:    Run{HeadBranch: "main"},
		},
		{
			name:       "known branch resolves to its commit",
			setup:      func(s *Server) { s.SetBranch(repoName, "main", shaMain) },
			body:       dispatchRequest{Ref: "refs/heads/main"},
			wantStatus: http.StatusNoContent,
			wantRun:    Run{HeadBranch: "main", HeadSHA: shaMain},
		},
		{
			name:       "known tag",
			setup:      func(s *Server) { s.SetBranch(repoName, "main", shaMain); s.SetTag(repoName, "v1", shaOld) },
			body:       dispatchRequest{Ref: "v1"},
			wantStatus: http.StatusNoContent,
			wantRun:    Run{HeadBranch: "v1", HeadSHA: shaOld},
		},
		{
			name:        "a sha is no ref to dispatch on",
			setup:       func(s *Server) { s.SetBranch(repoName, "main", shaMain) },
			body:        dispatchRequest{Ref: shaMain},
			wantStatus:  http.StatusUnprocessableEntity,
			wantMessage: "No ref found for: " + shaMain,
		},
		{
			name:        "unknown ref once branches are known",
			setup:       func(s *Server) { s.SetBranch(repoName, "main", shaMain) },
			body:        dispatchRequest{Ref: "nope"},
			wantStatus:  http.StatusUnprocessableEntity,
			wantMessage: "No ref found for: nope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, append(tt.opts, WithClock(func() time.Time { return testTime }))...)
			if tt.setup != nil {
				tt.setup(fake)
			}

			resp, details, err := dispatchWorkflow(t, client, "release.yml", tt.body)

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantMessage != "" {
				ghErr := requireStatus(t, err, tt.wantStatus)
				assert.Equal(t, tt.wantMessage, ghErr.Message)
				assert.Empty(t, fake.WorkflowDispatches())
				assert.Empty(t, fake.Runs(repoName))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []WorkflowDispatch{{
				Repository:       repoName,
				Workflow:         "release.yml",
				Ref:              tt.body.Ref,
				Inputs:           tt.body.Inputs,
				ReturnRunDetails: tt.body.ReturnRunDetails != nil && *tt.body.ReturnRunDetails,
			}}, fake.WorkflowDispatches())
			runs := fake.Runs(repoName)
			require.Len(t, runs, 1)
			want := tt.wantRun
			want.ID, want.Repository, want.WorkflowID, want.Name, want.DisplayTitle = runs[0].ID, repoName, "release.yml", "release.yml", "release.yml"
			want.Event, want.Status, want.Conclusion, want.CreatedAt, want.RunAttempt = "workflow_dispatch", "completed", "success", testTime, 1
			assert.Equal(t, want, runs[0])
			if tt.wantDetails {
				id := fmt.Sprint(runs[0].ID)
				assert.Equal(t, map[string]any{
					"workflow_run_id": float64(runs[0].ID),
					"run_url":         "https://api.github.com/repos/BTCDecoded/bllvm/actions/runs/" + id,
					"html_url":        "https://github.com/BTCDecoded/bllvm/actions/runs/" + id,
				}, details)
			}
		})
	}
}

// TestWorkflowDispatchInputs sends what the contract would refuse, to see
// the fake refuse it too.
func TestWorkflowDispatchInputs(t *testing.T) {
	tests := []struct {
		name       string
		inputs     int
		wantStatus int
	}{
		{"twenty-five inputs", 25, http.StatusNoContent},
		{"twenty-six inputs", 26, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			unchecked := &http.Client{Transport: fake.client.Transport.(contractTransport).next}
			inputs := map[string]string{}
			for i := range tt.inputs {
				inputs[fmt.Sprintf("input%d", i)] = "x"
			}
			body, err := json.Marshal(map[string]any{"ref": "main", "inputs": inputs})
			require.NoError(t, err)

			status, _ := do(t, unchecked, http.MethodPost, "https://api.github.com/repos/BTCDecoded/bllvm/actions/workflows/release.yml/dispatches", string(body), jsonHeader)

			assert.Equal(t, tt.wantStatus, status)
		})
	}
}

// poll is one GET of a run, conditional once an ETag is known.
type poll struct {
	status     int
	etag       string
	runStatus  string
	conclusion string
}

func getRun(t *testing.T, client *http.Client, runID int64, etag string) poll {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, fmt.Sprintf("https://api.github.com/repos/BTCDecoded/bllvm/actions/runs/%d", runID), nil)
	require.NoError(t, err)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	got := poll{status: resp.StatusCode, etag: resp.Header.Get("ETag")}
	if resp.StatusCode == http.StatusNotModified {
		assert.Empty(t, body, "a 304 has no body")
		assert.Empty(t, resp.Header.Get("Content-Type"))
		return got
	}
	var run struct {
		Status     string  `json:"status"`
		Conclusion *string `json:"conclusion"`
	}
	require.NoError(t, json.Unmarshal(body, &run))
	got.runStatus = run.Status
	if run.Conclusion != nil {
		got.conclusion = *run.Conclusion
	}
	return got
}

func TestScriptedRuns(t *testing.T) {
	queued := RunStep{Status: "queued"}
	running := RunStep{Status: "in_progress"}
	succeeded := RunStep{Status: "completed", Conclusion: "success"}
	failed := RunStep{Status: "completed", Conclusion: "failure"}
	tests := []struct {
		name            string
		script          []RunStep
		want            []poll // etag left out: compared for change only
		wantNotModified int
	}{
		{
			name:   "each GET takes a step, the last stays",
			script: []RunStep{queued, running, failed},
			want: []poll{
				{status: http.StatusOK, runStatus: "queued"},
				{status: http.StatusOK, runStatus: "in_progress"},
				{status: http.StatusOK, runStatus: "completed", conclusion: "failure"},
				{status: http.StatusNotModified},
				{status: http.StatusNotModified},
			},
			wantNotModified: 2,
		},
		{
			name:   "a repeated step answers 304 and still moves on",
			script: []RunStep{running, running, running, succeeded},
			want: []poll{
				{status: http.StatusOK, runStatus: "in_progress"},
				{status: http.StatusNotModified},
				{status: http.StatusNotModified},
				{status: http.StatusOK, runStatus: "completed", conclusion: "success"},
			},
			wantNotModified: 2,
		},
		{
			name: "no script is completed at once",
			want: []poll{
				{status: http.StatusOK, runStatus: "completed", conclusion: "success"},
				{status: http.StatusNotModified},
			},
			wantNotModified: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, WithClock(tickingClock(testTime)))
			fake.ScriptNextRuns(tt.script...)
			_, details, err := dispatchWorkflow(t, client, "release.yml", dispatchRequest{Ref: "main", ReturnRunDetails: gh.Bool(true)})
			require.NoError(t, err)
			runID := int64(details["workflow_run_id"].(float64))

			var got []poll
			etag := ""
			for range tt.want {
				answer := getRun(t, fake.Client(), runID, etag)
				assert.Regexp(t, regexp.MustCompile(`^"[0-9a-f]{64}"$`), answer.etag, "a strong ETag")
				if answer.status == http.StatusOK {
					assert.NotEqual(t, etag, answer.etag, "a 200 has a new ETag")
				} else {
					assert.Equal(t, etag, answer.etag, "a 304 repeats the ETag")
				}
				etag = answer.etag
				answer.etag = ""
				got = append(got, answer)
			}

			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantNotModified, fake.NotModified())
			last := tt.want[len(tt.want)-1]
			if last.status == http.StatusOK {
				runs := fake.Runs(repoName)
				assert.Equal(t, last.runStatus, runs[0].Status, "Runs shows the run as last served")
			}
		})
	}
}

func TestScriptRun(t *testing.T) {
	fake, client := newGitHub(t)
	planted := fake.AddRun(repoName, Run{WorkflowID: "nightly.yml", Status: "in_progress"})
	fake.ScriptRun(planted.ID, RunStep{Status: "in_progress"}, RunStep{Status: "completed", Conclusion: "cancelled"})

	var statuses []string
	for range 3 {
		run, _, err := client.Actions.GetWorkflowRunByID(t.Context(), testOwner, testRepo, planted.ID)
		require.NoError(t, err)
		statuses = append(statuses, run.GetStatus()+"/"+run.GetConclusion())
	}

	assert.Equal(t, []string{"in_progress/", "completed/cancelled", "completed/cancelled"}, statuses)
	assert.Equal(t, "cancelled", fake.Runs(repoName)[0].Conclusion)
}

func TestAddRunWithID(t *testing.T) {
	const consensus = "BTCDecoded/bllvm-consensus"
	fixed := func(id int64) func(*Server) int64 { return func(*Server) int64 { return id } }
	tests := []struct {
		name string
		// setup plants what the fake holds first, and returns the id to
		// plant the run under.
		setup     func(fake *Server) int64
		wantAbove int64 // what the next ID AddRun gives is above
		wantFatal string
	}{
		{"a free id", fixed(601), 601, ""},
		{"a free id below those handed out", func(fake *Server) int64 {
			fake.AddRunWithID(repoName, Run{ID: 601, WorkflowID: "ci.yml"})
			return 7
		}, 601, ""},
		{"the id of a run the fake gave", func(fake *Server) int64 {
			return fake.AddRun(repoName, Run{WorkflowID: "ci.yml"}).ID
		}, 0, "to BTCDecoded/bllvm: BTCDecoded/bllvm has a run with that id already"},
		{"the id of a run of another repository", func(fake *Server) int64 {
			fake.AddRepository(consensus)
			return fake.AddRunWithID(consensus, Run{ID: 601, WorkflowID: "ci.yml"}).ID
		}, 0, "BTCDecoded/bllvm-consensus has a run with that id already"},
		{"no id", fixed(0), 0, "the id must be positive"},
		{"a negative id", fixed(-601), 0, "the id must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plant := func(fake *Server, id int64) Run {
				return fake.AddRunWithID(repoName, Run{ID: id, WorkflowID: "release_orchestrator.yml", Event: "repository_dispatch", Status: "in_progress", HeadBranch: "main", HeadSHA: shaMain})
			}
			if tt.wantFatal != "" {
				fatal := fatalOf(t, func(fake *Server) { plant(fake, tt.setup(fake)) })
				assert.Contains(t, fatal, tt.wantFatal)
				return
			}
			fake, client := newGitHub(t)
			id := tt.setup(fake)

			planted := plant(fake, id)

			assert.Equal(t, id, planted.ID)
			assert.Equal(t, 1, planted.RunAttempt, "AddRun's defaults")
			got, _, err := client.Actions.GetWorkflowRunByID(t.Context(), testOwner, testRepo, id)
			require.NoError(t, err)
			assert.Equal(t, []any{id, "in_progress", "", "repository_dispatch", shaMain}, []any{got.GetID(), got.GetStatus(), got.GetConclusion(), got.GetEvent(), got.GetHeadSHA()})
			assert.Greater(t, fake.AddRun(repoName, Run{WorkflowID: "ci.yml"}).ID, tt.wantAbove, "IDs handed out later are above it")
			fake.SetJobs(repoName, id, Job{Name: "verify-consensus", Conclusion: "failure"})
			jobs, _, err := client.Actions.ListWorkflowJobs(t.Context(), testOwner, testRepo, id, nil)
			require.NoError(t, err)
			require.Len(t, jobs.Jobs, 1, "its jobs can be planted")
			assert.Equal(t, id, jobs.Jobs[0].GetRunID())
		})
	}
}

func TestListRuns(t *testing.T) {
	at := func(hour int) time.Time { return time.Date(2025, 11, 17, hour, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		workflow string
		opts     gh.ListWorkflowRunsOptions
		want     []string
	}{
		{"every run, newest first", "", gh.ListWorkflowRunsOptions{}, []string{"push-3", "dispatch-2", "schedule-1", "dispatch-0"}},
		{"by event", "", gh.ListWorkflowRunsOptions{Event: "workflow_dispatch"}, []string{"dispatch-2", "dispatch-0"}},
		{"by branch", "", gh.ListWorkflowRunsOptions{Branch: "main"}, []string{"push-3", "schedule-1"}},
		{"by status", "", gh.ListWorkflowRunsOptions{Status: "in_progress"}, []string{"dispatch-2"}},
		{"by conclusion", "", gh.ListWorkflowRunsOptions{Status: "failure"}, []string{"schedule-1"}},
		{"created from a time on", "", gh.ListWorkflowRunsOptions{Created: ">=2025-11-17T02:00:00Z"}, []string{"push-3", "dispatch-2"}},
		{"created before a time", "", gh.ListWorkflowRunsOptions{Created: "<2025-11-17T02:00:00Z"}, []string{"schedule-1", "dispatch-0"}},
		{"created in a range", "", gh.ListWorkflowRunsOptions{Created: "2025-11-17T01:00:00Z..2025-11-17T02:00:00Z"}, []string{"dispatch-2", "schedule-1"}},
		{"created on a day", "", gh.ListWorkflowRunsOptions{Created: "2025-11-17"}, []string{"push-3", "dispatch-2", "schedule-1", "dispatch-0"}},
		{"of one workflow by file name", "release.yml", gh.ListWorkflowRunsOptions{}, []string{"dispatch-2", "dispatch-0"}},
		{"of one workflow, filtered", "release.yml", gh.ListWorkflowRunsOptions{Status: "success"}, []string{"dispatch-0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			fake.AddRun(repoName, Run{WorkflowID: "release.yml", DisplayTitle: "dispatch-0", HeadBranch: "v1", CreatedAt: at(0)})
			fake.AddRun(repoName, Run{WorkflowID: "nightly.yml", DisplayTitle: "schedule-1", Event: "schedule", HeadBranch: "main", Status: "completed", Conclusion: "failure", CreatedAt: at(1)})
			fake.AddRun(repoName, Run{WorkflowID: "release.yml", DisplayTitle: "dispatch-2", HeadBranch: "v2", Status: "in_progress", CreatedAt: at(2)})
			fake.AddRun(repoName, Run{WorkflowID: "ci.yml", DisplayTitle: "push-3", Event: "push", HeadBranch: "main", CreatedAt: at(3)})

			var runs *gh.WorkflowRuns
			var err error
			if tt.workflow == "" {
				runs, _, err = client.Actions.ListRepositoryWorkflowRuns(t.Context(), testOwner, testRepo, &tt.opts)
			} else {
				runs, _, err = client.Actions.ListWorkflowRunsByFileName(t.Context(), testOwner, testRepo, tt.workflow, &tt.opts)
			}

			require.NoError(t, err)
			var got []string
			for _, run := range runs.WorkflowRuns {
				got = append(got, run.GetDisplayTitle())
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, len(tt.want), runs.GetTotalCount())
		})
	}
}

func TestListRunsOfOneWorkflowByID(t *testing.T) {
	fake, client := newGitHub(t)
	fake.AddRun(repoName, Run{WorkflowID: "release.yml"})
	fake.AddRun(repoName, Run{WorkflowID: "ci.yml"})
	all, _, err := client.Actions.ListRepositoryWorkflowRuns(t.Context(), testOwner, testRepo, nil)
	require.NoError(t, err)
	var releaseWorkflow int64
	for _, run := range all.WorkflowRuns {
		if run.GetPath() == ".github/workflows/release.yml" {
			releaseWorkflow = run.GetWorkflowID()
		}
	}
	require.NotZero(t, releaseWorkflow)

	runs, _, err := client.Actions.ListWorkflowRunsByID(t.Context(), testOwner, testRepo, releaseWorkflow, nil)

	require.NoError(t, err)
	require.Len(t, runs.WorkflowRuns, 1)
	assert.Equal(t, ".github/workflows/release.yml", runs.WorkflowRuns[0].GetPath())
}

func TestParseCreated(t *testing.T) {
	at := func(value string) time.Time {
		parsed, err := time.Parse(time.RFC3339, value)
		require.NoError(t, err)
		return parsed
	}
	tests := []struct {
		name    string
		filter  string
		in      []string
		out     []string
		wantErr bool
	}{
		{"at or after", ">=2025-11-17T02:00:00Z", []string{"2025-11-17T02:00:00Z", "2025-11-18T00:00:00Z"}, []string{"2025-11-17T01:59:59Z"}, false},
		{"after", ">2025-11-17T02:00:00Z", []string{"2025-11-17T02:00:01Z"}, []string{"2025-11-17T02:00:00Z"}, false},
		{"at or before", "<=2025-11-17T02:00:00Z", []string{"2025-11-17T02:00:00Z"}, []string{"2025-11-17T02:00:01Z"}, false},
		{"before a day", "<2025-11-17", []string{"2025-11-16T23:59:59Z"}, []string{"2025-11-17T00:00:00Z"}, false},
		{"after a day", ">2025-11-17", []string{"2025-11-18T00:00:00Z"}, []string{"2025-11-17T23:59:59Z"}, false},
		{"range of days, both included", "2025-11-16..2025-11-17", []string{"2025-11-16T00:00:00Z", "2025-11-17T23:59:59Z"}, []string{"2025-11-18T00:00:00Z", "2025-11-15T23:59:59Z"}, false},
		{"one day", "2025-11-17", []string{"2025-11-17T12:00:00Z"}, []string{"2025-11-18T00:00:00Z"}, false},
		{"time zone", ">=2025-11-17T03:00:00+01:00", []string{"2025-11-17T02:00:00Z"}, []string{"2025-11-17T01:59:59Z"}, false},
		{"not a date", ">=yesterday", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, err := parseCreated(tt.filter)

			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			for _, value := range tt.in {
				assert.True(t, match(at(value)), "%s should match %s", tt.filter, value)
			}
			for _, value := range tt.out {
				assert.False(t, match(at(value)), "%s should not match %s", tt.filter, value)
			}
		})
	}
}

// TestListRunsOfLatestGreen asks what a client asks for the newest
// successful push run of a workflow on a branch:
// workflows/{workflow_id}/runs?branch=main&event=push&status=success&per_page=1.
func TestListRunsOfLatestGreen(t *testing.T) {
	at := func(hour int) time.Time { return time.Date(2025, 11, 17, hour, 0, 0, 0, time.UTC) }
	tests := []struct {
		name      string
		path      string // after repos/BTCDecoded/bllvm/actions/
		want      []string
		wantTotal int
		wantNext  bool
	}{
		{"newest green push to main, one per page", "workflows/ci.yml/runs?branch=main&event=push&status=success&per_page=1", []string{"green"}, 2, true},
		{"the next page, the older green", "workflows/ci.yml/runs?branch=main&event=push&status=success&per_page=1&page=2", []string{"green-old"}, 2, false},
		{"every green push to main, newest first", "workflows/ci.yml/runs?branch=main&event=push&status=success", []string{"green", "green-old"}, 2, false},
		{"completed is a status, failed runs too", "workflows/ci.yml/runs?branch=main&event=push&status=completed", []string{"red", "green", "green-old"}, 3, false},
		{"failure is a conclusion", "workflows/ci.yml/runs?branch=main&event=push&status=failure", []string{"red"}, 1, false},
		{"in progress is a status", "workflows/ci.yml/runs?branch=main&event=push&status=in_progress", []string{"running"}, 1, false},
		{"any branch", "workflows/ci.yml/runs?event=push&status=success", []string{"other-branch", "green", "green-old"}, 3, false},
		{"any event", "workflows/ci.yml/runs?branch=main&status=success", []string{"pull-request", "green", "green-old"}, 3, false},
		{"every workflow of the repository", "runs?branch=main&event=push&status=success&per_page=1", []string{"other-workflow"}, 3, true},
		{"a workflow without such runs", "workflows/nightly.yml/runs?branch=main&event=push&status=success&per_page=1", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			// Planted out of order, so that only created_at puts them in
			// order.
			fake.AddRun(repoName, Run{WorkflowID: "ci.yml", DisplayTitle: "red", Event: "push", HeadBranch: "main", Status: "completed", Conclusion: "failure", CreatedAt: at(3)})
			fake.AddRun(repoName, Run{WorkflowID: "ci.yml", DisplayTitle: "green", Event: "push", HeadBranch: "main", CreatedAt: at(2)})
			fake.AddRun(repoName, Run{WorkflowID: "ci.yml", DisplayTitle: "green-old", Event: "push", HeadBranch: "main", CreatedAt: at(1)})
			fake.AddRun(repoName, Run{WorkflowID: "ci.yml", DisplayTitle: "running", Event: "push", HeadBranch: "main", Status: "in_progress", CreatedAt: at(4)})
			fake.AddRun(repoName, Run{WorkflowID: "ci.yml", DisplayTitle: "other-branch", Event: "push", HeadBranch: "feature", CreatedAt: at(5)})
			fake.AddRun(repoName, Run{WorkflowID: "ci.yml", DisplayTitle: "pull-request", Event: "pull_request", HeadBranch: "main", CreatedAt: at(6)})
			fake.AddRun(repoName, Run{WorkflowID: "release.yml", DisplayTitle: "other-workflow", Event: "push", HeadBranch: "main", CreatedAt: at(7)})
			req, err := client.NewRequest(http.MethodGet, "repos/BTCDecoded/bllvm/actions/"+tt.path, nil)
			require.NoError(t, err)
			var runs gh.WorkflowRuns

			resp, err := client.Do(t.Context(), req, &runs)

			require.NoError(t, err)
			var got []string
			for _, run := range runs.WorkflowRuns {
				got = append(got, run.GetDisplayTitle())
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantTotal, runs.GetTotalCount(), "every run that matches, whatever the page")
			assert.Equal(t, tt.wantNext, resp.NextPage != 0)
		})
	}
}
