package githubtest

import (
	"cmp"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failedNightly plants a nightly run of BTCDecoded/bllvm whose first
// attempt ran build and test, and whose second ran build again.
func failedNightly(t *testing.T, fake *Server) (Run, []Job) {
	t.Helper()
	run := fake.AddRun(repoName, Run{WorkflowID: "nightly.yml", Name: "Nightly", HeadBranch: "main", HeadSHA: shaMain, Status: "completed", Conclusion: "failure"})
	first := fake.SetJobs(repoName, run.ID,
		Job{Name: "build", Conclusion: "failure", Steps: []JobStep{{Name: "Set up job"}, {Name: "cargo build", Conclusion: "failure"}}, Log: "error[E0308]: mismatched types\n"},
		Job{Name: "test", Conclusion: "skipped"},
	)
	second := fake.SetJobs(repoName, run.ID, Job{Name: "build", Conclusion: "failure", RunAttempt: 2})
	return run, append(first, second...)
}

func jobIDs(jobs []*gh.WorkflowJob) []int64 {
	var ids []int64
	for _, j := range jobs {
		ids = append(ids, j.GetID())
	}
	return ids
}

func TestListJobs(t *testing.T) {
	tests := []struct {
		name       string
		list       func(t *testing.T, client *gh.Client, runID int64) (*gh.Jobs, error)
		wantStatus int
		want       []int // indexes into the planted jobs
	}{
		{"latest attempt by default", func(t *testing.T, client *gh.Client, runID int64) (*gh.Jobs, error) {
			jobs, _, err := client.Actions.ListWorkflowJobs(t.Context(), testOwner, testRepo, runID, nil)
			return jobs, err
		}, http.StatusOK, []int{2}},
		{"every attempt", func(t *testing.T, client *gh.Client, runID int64) (*gh.Jobs, error) {
			jobs, _, err := client.Actions.ListWorkflowJobs(t.Context(), testOwner, testRepo, runID, &gh.ListWorkflowJobsOptions{Filter: "all"})
			return jobs, err
		}, http.StatusOK, []int{0, 1, 2}},
		{"first attempt", func(t *testing.T, client *gh.Client, runID int64) (*gh.Jobs, error) {
			jobs, _, err := client.Actions.ListWorkflowJobsAttempt(t.Context(), testOwner, testRepo, runID, 1, nil)
			return jobs, err
		}, http.StatusOK, []int{0, 1}},
		{"second attempt", func(t *testing.T, client *gh.Client, runID int64) (*gh.Jobs, error) {
			jobs, _, err := client.Actions.ListWorkflowJobsAttempt(t.Context(), testOwner, testRepo, runID, 2, nil)
			return jobs, err
		}, http.StatusOK, []int{2}},
		{"an attempt not made", func(t *testing.T, client *gh.Client, runID int64) (*gh.Jobs, error) {
			jobs, _, err := client.Actions.ListWorkflowJobsAttempt(t.Context(), testOwner, testRepo, runID, 3, nil)
			return jobs, err
		}, http.StatusNotFound, nil},
		{"a run that does not exist", func(t *testing.T, client *gh.Client, runID int64) (*gh.Jobs, error) {
			jobs, _, err := client.Actions.ListWorkflowJobs(t.Context(), testOwner, testRepo, runID+1000, nil)
			return jobs, err
		}, http.StatusNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			run, planted := failedNightly(t, fake)

			got, err := tt.list(t, client, run.ID)

			if tt.wantStatus != http.StatusOK {
				requireStatus(t, err, tt.wantStatus)
				return
			}
			require.NoError(t, err)
			var want []int64
			for _, i := range tt.want {
				want = append(want, planted[i].ID)
			}
			assert.Equal(t, want, jobIDs(got.Jobs))
			assert.Equal(t, len(want), got.GetTotalCount())
		})
	}
}

func TestJobShape(t *testing.T) {
	tests := []struct {
		name           string
		job            Job
		wantConclusion *string
		wantSteps      []*gh.TaskStep
		wantRunner     bool
		wantCompleted  bool
	}{
		{
			name:           "completed, steps defaulted",
			job:            Job{Name: "build", Conclusion: "failure", Steps: []JobStep{{Name: "Set up job"}, {Name: "cargo build", Conclusion: "failure"}}},
			wantConclusion: gh.String("failure"),
			wantSteps: []*gh.TaskStep{
				{Name: gh.String("Set up job"), Number: gh.Int64(1), Status: gh.String("completed"), Conclusion: gh.String("success")},
				{Name: gh.String("cargo build"), Number: gh.Int64(2), Status: gh.String("completed"), Conclusion: gh.String("failure")},
			},
			wantRunner: true, wantCompleted: true,
		},
		{
			name:           "in progress: no conclusion yet",
			job:            Job{Name: "build", Status: "in_progress", Steps: []JobStep{{Name: "cargo build", Number: 4, Status: "in_progress"}}},
			wantConclusion: nil,
			wantSteps:      []*gh.TaskStep{{Name: gh.String("cargo build"), Number: gh.Int64(4), Status: gh.String("in_progress")}},
			wantRunner:     true,
		},
		{
			name:      "queued: no runner yet",
			job:       Job{Name: "build", Status: "queued"},
			wantSteps: []*gh.TaskStep{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, WithClock(func() time.Time { return testTime }))
			run := fake.AddRun(repoName, Run{WorkflowID: "nightly.yml", Name: "Nightly", HeadBranch: "main", HeadSHA: shaMain})
			planted := fake.SetJobs(repoName, run.ID, tt.job)[0]

			got, _, err := client.Actions.GetWorkflowJobByID(t.Context(), testOwner, testRepo, planted.ID)

			require.NoError(t, err)
			runID := strconv.FormatInt(run.ID, 10)
			assert.Equal(t, planted.ID, got.GetID())
			assert.Equal(t, run.ID, got.GetRunID())
			assert.Equal(t, int64(1), got.GetRunAttempt())
			assert.Equal(t, "https://api.github.com/repos/BTCDecoded/bllvm/actions/runs/"+runID, got.GetRunURL())
			assert.Equal(t, fmt.Sprintf("https://github.com/BTCDecoded/bllvm/actions/runs/%d/job/%d", run.ID, planted.ID), got.GetHTMLURL())
			assert.Equal(t, fmt.Sprintf("https://api.github.com/repos/BTCDecoded/bllvm/actions/jobs/%d", planted.ID), got.GetURL())
			assert.Equal(t, fmt.Sprintf("https://api.github.com/repos/BTCDecoded/bllvm/check-runs/%d", planted.ID), got.GetCheckRunURL())
			assert.Equal(t, shaMain, got.GetHeadSHA())
			assert.Equal(t, "main", got.GetHeadBranch())
			assert.Equal(t, "Nightly", got.GetWorkflowName())
			assert.Equal(t, "build", got.GetName())
			assert.Equal(t, cmp.Or(tt.job.Status, "completed"), got.GetStatus())
			assert.Equal(t, tt.wantConclusion, got.Conclusion)
			assert.Equal(t, tt.wantRunner, got.RunnerName != nil)
			assert.Equal(t, tt.wantCompleted, got.CompletedAt != nil)
			assert.Equal(t, testTime, got.GetCreatedAt().Time)
			assert.NotEmpty(t, got.GetNodeID())
			assert.NotEmpty(t, got.Labels)
			for _, step := range got.Steps {
				step.StartedAt, step.CompletedAt = nil, nil
			}
			assert.Equal(t, tt.wantSteps, got.Steps)
		})
	}
}

func TestListJobsPages(t *testing.T) {
	tests := []struct {
		name      string
		perPage   int
		wantSizes []int
	}{
		{"two a page", 2, []int{2, 2, 1}},
		{"one page", 0, []int{5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			run := fake.AddRun(repoName, Run{WorkflowID: "ci.yml"})
			var jobs []Job
			for i := range 5 {
				jobs = append(jobs, Job{Name: fmt.Sprintf("shard %d", i)})
			}
			planted := fake.SetJobs(repoName, run.ID, jobs...)

			var sizes []int
			var seen []int64
			opts := &gh.ListWorkflowJobsOptions{ListOptions: gh.ListOptions{PerPage: tt.perPage}}
			for {
				got, resp, err := client.Actions.ListWorkflowJobs(t.Context(), testOwner, testRepo, run.ID, opts)
				require.NoError(t, err)
				assert.Equal(t, 5, got.GetTotalCount(), "total_count counts every page")
				sizes = append(sizes, len(got.Jobs))
				seen = append(seen, jobIDs(got.Jobs)...)
				if resp.NextPage == 0 {
					break
				}
				opts.Page = resp.NextPage
			}

			assert.Equal(t, tt.wantSizes, sizes)
			var want []int64
			for _, j := range planted {
				want = append(want, j.ID)
			}
			assert.Equal(t, want, seen)
		})
	}
}

func TestSetJobs(t *testing.T) {
	fake, client := newGitHub(t)
	run, planted := failedNightly(t, fake)

	t.Run("defaults", func(t *testing.T) {
		require.Len(t, planted, 3)
		for _, j := range planted {
			assert.NotZero(t, j.ID)
			assert.Equal(t, "completed", j.Status)
		}
		assert.Equal(t, []int{1, 1, 2}, []int{planted[0].RunAttempt, planted[1].RunAttempt, planted[2].RunAttempt})
		assert.Equal(t, []JobStep{{Name: "Set up job", Number: 1, Status: "completed", Conclusion: "success"}, {Name: "cargo build", Number: 2, Status: "completed", Conclusion: "failure"}}, planted[0].Steps)
	})
	t.Run("the run's attempt rises with its jobs", func(t *testing.T) {
		assert.Equal(t, 2, fake.Runs(repoName)[0].RunAttempt)
		got, _, err := client.Actions.GetWorkflowRunByID(t.Context(), testOwner, testRepo, run.ID)
		require.NoError(t, err)
		assert.Equal(t, 2, got.GetRunAttempt())
		assert.Equal(t, fmt.Sprintf("https://api.github.com/repos/BTCDecoded/bllvm/actions/runs/%d/attempts/1", run.ID), got.GetPreviousAttemptURL())
	})
	t.Run("an attempt's jobs replace its own only", func(t *testing.T) {
		again := fake.SetJobs(repoName, run.ID, Job{Name: "lint"})
		got, _, err := client.Actions.ListWorkflowJobs(t.Context(), testOwner, testRepo, run.ID, &gh.ListWorkflowJobsOptions{Filter: "all"})
		require.NoError(t, err)
		assert.Equal(t, []int64{again[0].ID, planted[2].ID}, jobIDs(got.Jobs))
		_, _, err = client.Actions.GetWorkflowJobByID(t.Context(), testOwner, testRepo, planted[0].ID)
		requireStatus(t, err, http.StatusNotFound)
	})
	t.Run("no jobs remove every attempt's", func(t *testing.T) {
		fake.SetJobs(repoName, run.ID)
		got, _, err := client.Actions.ListWorkflowJobs(t.Context(), testOwner, testRepo, run.ID, &gh.ListWorkflowJobsOptions{Filter: "all"})
		require.NoError(t, err)
		assert.Empty(t, got.Jobs)
		assert.Equal(t, 0, got.GetTotalCount())
	})
}

func TestSetJobsNeedsTheRun(t *testing.T) {
	fatal := fatalOf(t, func(fake *Server) { fake.SetJobs(repoName, 404, Job{Name: "build"}) })

	assert.Contains(t, fatal, "no such run")
}

func TestJobLogs(t *testing.T) {
	// A log past the 256 KiB a client may read the tail of.
	long := strings.Repeat("2025-11-17T02:00:01.0000000Z compiling\n", 8000) + "2025-11-17T02:03:00.0000000Z error: linking failed\n"
	tests := []struct {
		name string
		log  string
		// change makes the storage request differ from the one the
		// Location asks for, or the world from when it was made.
		change     func(t *testing.T, req *http.Request, clock *Clock, fake *Server, runID int64)
		wantStatus int
		wantBody   string
		wantRange  string
		wantText   string // in storage's error
	}{
		{
			name: "as redirected", log: "error[E0308]: mismatched types\n",
			change:     func(*testing.T, *http.Request, *Clock, *Server, int64) {},
			wantStatus: http.StatusOK, wantBody: "error[E0308]: mismatched types\n",
		},
		{
			name: "an empty log", log: "",
			change:     func(*testing.T, *http.Request, *Clock, *Server, int64) {},
			wantStatus: http.StatusOK, wantBody: "",
		},
		{
			name: "the last 256 KiB", log: long,
			change: func(_ *testing.T, req *http.Request, _ *Clock, _ *Server, _ int64) {
				req.Header.Set("Range", "bytes=-262144")
			},
			wantStatus: http.StatusPartialContent, wantBody: long[len(long)-262144:],
			wantRange: fmt.Sprintf("bytes %d-%d/%d", len(long)-262144, len(long)-1, len(long)),
		},
		{
			name: "a tail longer than the log", log: "short\n",
			change: func(_ *testing.T, req *http.Request, _ *Clock, _ *Server, _ int64) {
				req.Header.Set("Range", "bytes=-262144")
			},
			wantStatus: http.StatusPartialContent, wantBody: "short\n", wantRange: "bytes 0-5/6",
		},
		{
			name: "token sent on to storage", log: "secret\n",
			change: func(_ *testing.T, req *http.Request, _ *Clock, _ *Server, _ int64) {
				req.Header.Set("Authorization", "Bearer ghs_leaked")
			},
			wantStatus: http.StatusBadRequest, wantText: "Only one auth mechanism allowed",
		},
		{
			name: "at the last second of the link", log: "log\n",
			change:     func(_ *testing.T, _ *http.Request, clock *Clock, _ *Server, _ int64) { clock.Advance(time.Minute) },
			wantStatus: http.StatusOK, wantBody: "log\n",
		},
		{
			name: "link expired after a minute", log: "log\n",
			change: func(_ *testing.T, _ *http.Request, clock *Clock, _ *Server, _ int64) {
				clock.Advance(time.Minute + time.Second)
			},
			wantStatus: http.StatusForbidden, wantText: "Request has expired",
		},
		{
			name: "jobs replaced since the redirect", log: "log\n",
			change: func(_ *testing.T, _ *http.Request, _ *Clock, fake *Server, runID int64) {
				fake.SetJobs(repoName, runID, Job{Name: "build", Log: "another\n"})
			},
			wantStatus: http.StatusNotFound, wantText: "The specified key does not exist.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := NewClock(testTime)
			fake, client := newGitHub(t, WithClock(clock.Now))
			run := fake.AddRun(repoName, Run{WorkflowID: "nightly.yml"})
			job := fake.SetJobs(repoName, run.ID, Job{Name: "build", Conclusion: "failure", Log: tt.log})[0]
			location, resp, err := client.Actions.GetWorkflowJobLogs(t.Context(), testOwner, testRepo, job.ID, 0)
			require.NoError(t, err)
			require.Equal(t, http.StatusFound, resp.StatusCode)
			require.Equal(t, storageHost, location.Host, "logs come from storage, not the API")
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, location.String(), nil)
			require.NoError(t, err)
			tt.change(t, req, clock, fake, run.ID)

			got, body := send(t, followClient(fake), req)

			require.Equal(t, tt.wantStatus, got.StatusCode, "%.300s", body)
			if tt.wantText != "" {
				assert.Contains(t, string(body), tt.wantText)
				return
			}
			assert.Equal(t, tt.wantBody, string(body))
			assert.Equal(t, "text/plain", got.Header.Get("Content-Type"))
			assert.Equal(t, tt.wantRange, got.Header.Get("Content-Range"))
		})
	}
}

func TestJobLogsOfAJobThatDoesNotExist(t *testing.T) {
	fake := New(t, WithRepository(repoName))
	run := fake.AddRun(repoName, Run{WorkflowID: "nightly.yml"})
	job := fake.SetJobs(repoName, run.ID, Job{Name: "build"})[0]

	status, body := do(t, noRedirects(fake), http.MethodGet, fmt.Sprintf("https://api.github.com/repos/BTCDecoded/bllvm/actions/jobs/%d/logs", job.ID+1000), "", nil)

	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, body, `"message":"Not Found"`)
	assert.Contains(t, body, "#download-job-logs-for-a-workflow-run")
}
