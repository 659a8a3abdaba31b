package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	gh "github.com/google/go-github/v66/github"
)

// RunDetails is what github.com answers a workflow dispatch with when asked
// (return_run_details); zero when the server does not say.
type RunDetails struct {
	ID      int64  `json:"workflow_run_id"`
	APIURL  string `json:"run_url"`
	HTMLURL string `json:"html_url"`
}

type workflowDispatch struct {
	Ref              string            `json:"ref"`
	Inputs           map[string]string `json:"inputs,omitempty"`
	ReturnRunDetails *bool             `json:"return_run_details,omitempty"`
}

// DispatchWorkflow sends a workflow_dispatch for the workflow file (or id)
// on ref and returns the run it started when the server reports it.
// go-github v66 has no return_run_details, so the request is built here.
// GitHub Enterprise Server before 3.21 rejects that key with 400 or 422:
// then the dispatch is sent once more without it, and a 204 is success
// with no run details.
func DispatchWorkflow(ctx context.Context, client *gh.Client, owner, repo, workflow, ref string, inputs map[string]string) (RunDetails, error) {
	path := fmt.Sprintf("repos/%s/%s/actions/workflows/%s/dispatches", url.PathEscape(owner), url.PathEscape(repo), url.PathEscape(workflow))
	send := func(body workflowDispatch) (RunDetails, *gh.Response, error) {
		req, err := client.NewRequest(http.MethodPost, path, body)
		if err != nil {
			return RunDetails{}, nil, err
		}
		var details RunDetails
		resp, err := client.Do(ctx, req, &details)
		return details, resp, err
	}
	details, _, err := send(workflowDispatch{Ref: ref, Inputs: inputs, ReturnRunDetails: gh.Bool(true)})
	var ghErr *gh.ErrorResponse
	if errors.As(err, &ghErr) && ghErr.Response != nil &&
		(ghErr.Response.StatusCode == http.StatusBadRequest || ghErr.Response.StatusCode == http.StatusUnprocessableEntity) {
		details, _, err = send(workflowDispatch{Ref: ref, Inputs: inputs})
	}
	if err != nil {
		return RunDetails{}, fmt.Errorf("dispatch workflow %s on %s in %s/%s: %w", workflow, ref, owner, repo, err)
	}
	return details, nil
}

// GetRun reads a workflow run, conditionally: with the ETag of the last
// answer, an unchanged run comes back as 304 Not Modified, which GitHub
// does not count against the rate limit. notModified is then true and run
// is nil.
func GetRun(ctx context.Context, client *gh.Client, owner, repo string, id int64, etag string) (run *gh.WorkflowRun, newETag string, notModified bool, err error) {
	path := fmt.Sprintf("repos/%s/%s/actions/runs/%s", url.PathEscape(owner), url.PathEscape(repo), strconv.FormatInt(id, 10))
	req, err := client.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return nil, "", false, err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	run = new(gh.WorkflowRun)
	resp, err := client.Do(ctx, req, run)
	var ghErr *gh.ErrorResponse
	if errors.As(err, &ghErr) && ghErr.Response != nil && ghErr.Response.StatusCode == http.StatusNotModified {
		return nil, etag, true, nil
	}
	if err != nil {
		return nil, "", false, fmt.Errorf("read run %d of %s/%s: %w", id, owner, repo, err)
	}
	if run.GetID() == 0 || run.GetStatus() == "" {
		// null, or an object without the fields a wait reads: waiting on
		// it would see no status until the timeout.
		return nil, "", false, Malformed("GET /"+path, "the answer is not a workflow run with an id and a status")
	}
	return run, resp.Header.Get("ETag"), false, nil
}
