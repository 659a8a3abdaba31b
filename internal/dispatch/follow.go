package dispatch

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/report"
	"github.com/BTCDecoded/release-action/internal/runs"
)

// RunLister lists a repository's workflow runs.
type RunLister interface {
	ListRepositoryWorkflowRuns(ctx context.Context, owner, repo string, opts *gh.ListWorkflowRunsOptions) (*gh.WorkflowRuns, *gh.Response, error)
}

// Follower finds the run a dispatch started in the orchestrator and waits
// for it to complete.
type Follower struct {
	Runs    RunLister
	GetRun  runs.Getter
	Timeout time.Duration // the whole wait, search included
	Poll    runs.Poll
	Now     func() time.Time
	Sleep   func(context.Context, time.Duration) error
	Logf    func(string, ...any)
}

// MaxSearch bounds the search for the run: an orchestrator whose workflow
// does not put dispatch_id in its run-name never shows it, and the user
// should hear so in minutes, not at wait-timeout.
const MaxSearch = 3 * time.Minute

// clockSkew is how far before the dispatch the search starts, as the
// runner's clock and GitHub's may differ.
const clockSkew = time.Minute

// RunNotFoundError is a dispatch whose run could not be found.
type RunNotFoundError struct {
	Orchestrator, DispatchID string
	Searched                 time.Duration
}

func (e *RunNotFoundError) Error() string {
	return fmt.Sprintf("find the run of dispatch %s: no repository_dispatch run of %s has it in its title after %s; "+
		"the orchestrator's workflow must echo it: add `run-name: build ${{ github.event.client_payload.dispatch_id }}` to it", e.DispatchID, e.Orchestrator, e.Searched)
}

// find looks for the one run whose title carries dispatchID among the
// repository_dispatch runs created since just before the dispatch, every
// page, looking again with growing intervals until it shows up or the
// search bound is reached.
func (f Follower) find(ctx context.Context, owner, repo, dispatchID string, dispatchedAt time.Time) (*gh.WorkflowRun, error) {
	budget := min(MaxSearch, f.Timeout)
	created := ">=" + dispatchedAt.Add(-clockSkew).UTC().Format("2006-01-02T15:04:05Z")
	var found []*gh.WorkflowRun
	start, polls, quiet := f.Now(), 0, runs.NewQuiet(f.Now)
	route := "GET /repos/" + owner + "/" + repo + "/actions/runs"
	done, err := f.Poll.Until(ctx, budget, f.Now, f.Sleep, func() (bool, error) {
		found = nil
		opts := &gh.ListWorkflowRunsOptions{Event: "repository_dispatch", Created: created, ListOptions: gh.ListOptions{PerPage: 100}}
		pages := github.Pages{Route: route}
		for {
			page, resp, err := f.Runs.ListRepositoryWorkflowRuns(ctx, owner, repo, opts)
			if err != nil {
				return false, err
			}
			// go-github decodes null into a nil page, and an object
			// without workflow_runs into a nil list ([] is an empty one).
			switch {
			case page == nil:
				return false, github.Malformed(route, "the answer is null, not the list of runs")
			case page.WorkflowRuns == nil:
				return false, github.Malformed(route, "the answer has no workflow_runs")
			}
			for _, run := range page.WorkflowRuns {
				if !carries(run.GetDisplayTitle(), dispatchID) {
					continue
				}
				if run.GetID() == 0 {
					return false, github.Malformed(route, "the answer lists a run of dispatch "+dispatchID+" without its id")
				}
				found = append(found, run)
			}
			next, err := pages.Next(resp)
			if err != nil {
				return false, err
			}
			if next == 0 {
				return len(found) > 0, nil
			}
			opts.Page = next
		}
	}, func(wait time.Duration) {
		polls++
		switch {
		case polls == 1:
			f.Logf("no run of %s/%s carries dispatch %s yet; looking again in %s", owner, repo, dispatchID, wait)
			quiet.Said()
		case quiet.Due(wait):
			f.Logf("still no run of %s/%s carries dispatch %s after %s", owner, repo, dispatchID, f.Now().Sub(start).Round(time.Second))
		}
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("find the run of dispatch %s in %s/%s: %w", dispatchID, owner, repo, err)
	case !done:
		return nil, &RunNotFoundError{Orchestrator: owner + "/" + repo, DispatchID: dispatchID, Searched: budget}
	}
	// More than one means the event was delivered twice (a retried
	// dispatch): the first run, listed last, is the one that does the work.
	first := found[len(found)-1]
	if len(found) > 1 {
		f.Logf("dispatch %s started %s (a repeated delivery); following the first, %d", dispatchID, report.Count(len(found), "run"), first.GetID())
	}
	return first, nil
}

// carries tells whether title has id as a whole word, so that dispatch
// 7-1-ab never matches a title carrying 17-1-ab or 7-1-abc.
func carries(title, id string) bool {
	for i := 0; ; {
		j := strings.Index(title[i:], id)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(id)
		if (start == 0 || !idChar(title[start-1])) && (end == len(title) || !idChar(title[end])) {
			return true
		}
		i = start + 1
	}
}

func idChar(c byte) bool {
	return c == '-' || c == '_' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// follow finds the dispatch's run and waits for it, and returns the
// outputs run-id, run-url and conclusion; a run that does not succeed is
// an error naming its URL.
func (f Follower) follow(ctx context.Context, req Request, dispatchedAt time.Time, res *report.Result) error {
	owner, repo, _ := strings.Cut(req.Orchestrator, "/")
	start := f.Now()
	run, err := f.find(ctx, owner, repo, req.DispatchID, dispatchedAt)
	if err != nil {
		return err
	}
	res.Set("run-id", strconv.FormatInt(run.GetID(), 10))
	res.Set("run-url", run.GetHTMLURL())
	// Its URL is the first line runs.Wait says.
	f.Logf("dispatch %s started run %d", req.DispatchID, run.GetID())
	left := f.Timeout - f.Now().Sub(start)
	done, err := runs.Wait(ctx, f.GetRun, run.GetID(), run.GetHTMLURL(), max(left, time.Second), f.Poll, f.Sleep, f.Now, f.Logf)
	if err != nil {
		return err
	}
	conclusion := done.GetConclusion()
	res.Set("conclusion", conclusion)
	if conclusion != "success" {
		return fmt.Errorf("orchestrator run %d for %s concluded %s: see %s", run.GetID(), req.EventType, report.Value(conclusion), report.Value(run.GetHTMLURL()))
	}
	return nil
}
