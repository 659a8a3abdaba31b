package githubtest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/require"
)

// TestTriageAnswersMatchTheDescription holds what the fake answers on the
// endpoints triage uses to the response schemas of GitHub's description,
// so that a field GitHub requires, or a type it promises, is not missed.
func TestTriageAnswersMatchTheDescription(t *testing.T) {
	checked, _, err := contractFor(os.Getenv)
	require.NoError(t, err)
	if checked == nil {
		t.Skip("GitHub's REST description is missing: run scripts/fetch-openapi.sh")
	}
	fake := New(t, WithRepository(repoName))
	fake.SetBranch(repoName, "main", shaMain)
	fake.AddCommit(repoName, shaOther)
	fake.SetCommitInfo(repoName, shaMain, CommitInfo{Message: "Fix", Author: "octocat", Files: []string{"a.go"}})
	fake.SetCommitInfo(repoName, shaOther, CommitInfo{Message: "Tidy", Files: []string{"b.go"}})
	fake.AddIssue(repoName, Issue{Title: "open", Labels: []string{"ci-failure"}, Comments: []Comment{{Body: "again"}}})
	fake.AddIssue(repoName, Issue{Title: "closed", State: "closed"})
	run := fake.AddRun(repoName, Run{WorkflowID: "nightly.yml", HeadBranch: "main", HeadSHA: shaMain})
	jobs := fake.SetJobs(repoName, run.ID,
		Job{Name: "build", Conclusion: "failure", Steps: []JobStep{{Name: "cargo build", Conclusion: "failure"}}},
		Job{Name: "test", Status: "queued"},
	)
	api := "https://api.github.com/repos/" + repoName

	tests := []struct {
		name   string
		method string
		url    string
		body   string
	}{
		{"commit with files", http.MethodGet, api + "/commits/main", ""},
		{"commit of an unmatched author", http.MethodGet, api + "/commits/" + shaOther, ""},
		{"comparison", http.MethodGet, api + "/compare/" + shaMain + "..." + shaOther, ""},
		{"list issues", http.MethodGet, api + "/issues?state=all", ""},
		{"create issue", http.MethodPost, api + "/issues", `{"title":"new","body":"b","labels":["x"]}`},
		{"get issue", http.MethodGet, api + "/issues/1", ""},
		{"close issue", http.MethodPatch, api + "/issues/1", `{"state":"closed","state_reason":"not_planned"}`},
		{"list comments", http.MethodGet, api + "/issues/1/comments", ""},
		{"comment", http.MethodPost, api + "/issues/1/comments", `{"body":"me too"}`},
		{"get label", http.MethodGet, api + "/labels/ci-failure", ""},
		{"create label", http.MethodPost, api + "/labels", `{"name":"triage","color":"663399"}`},
		{"list jobs", http.MethodGet, fmt.Sprintf("%s/actions/runs/%d/jobs?filter=all", api, run.ID), ""},
		{"list jobs of an attempt", http.MethodGet, fmt.Sprintf("%s/actions/runs/%d/attempts/1/jobs", api, run.ID), ""},
		{"get job", http.MethodGet, fmt.Sprintf("%s/actions/jobs/%d", api, jobs[0].ID), ""},
		{"get queued job", http.MethodGet, fmt.Sprintf("%s/actions/jobs/%d", api, jobs[1].ID), ""},
		{"job logs", http.MethodGet, fmt.Sprintf("%s/actions/jobs/%d/logs", api, jobs[0].ID), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, tt.url, strings.NewReader(tt.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			resp, body := send(t, noRedirects(fake), req)
			require.Less(t, resp.StatusCode, 400, "%s", body)

			probe, err := http.NewRequestWithContext(t.Context(), tt.method, tt.url, nil)
			require.NoError(t, err)
			route, params, err := checked.router.FindRoute(probe)
			require.NoError(t, err)
			options := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
			// The schema and value dumps kin-openapi adds by default bury the reason.
			options.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
				return fmt.Sprintf("/%s: %s", strings.Join(err.JSONPointer(), "/"), err.Reason)
			})
			err = openapi3filter.ValidateResponse(t.Context(), &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route},
				Status:                 resp.StatusCode,
				Header:                 resp.Header,
				Body:                   io.NopCloser(bytes.NewReader(body)),
				Options:                options,
			})
			require.NoError(t, err)
		})
	}
}
