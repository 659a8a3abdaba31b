// Package runs waits for a GitHub Actions workflow run to complete,
// polling frugally: growing intervals and conditional requests.
package runs

import (
	"context"
	"fmt"
	"time"

	gh "github.com/google/go-github/v66/github"
)

// Getter reads a run conditionally; see github.GetRun.
type Getter func(ctx context.Context, id int64, etag string) (run *gh.WorkflowRun, newETag string, notModified bool, err error)

// Poll is how often to look: the first wait, how much each wait grows,
// and the longest wait.
type Poll struct {
	First, Step, Max time.Duration
}

// DefaultPoll looks after 5 s, then 10 s, 15 s … up to every 60 s: a run
// of 30 minutes costs about 40 requests, most of them 304s that the rate
// limit does not count.
var DefaultPoll = Poll{First: 5 * time.Second, Step: 5 * time.Second, Max: time.Minute}

// TimeoutError is a run that did not complete in time.
type TimeoutError struct {
	ID      int64
	URL     string
	Timeout time.Duration
	Status  string
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("run %d is still %s after %s: see %s (raise wait-timeout to wait longer)", e.ID, e.Status, e.Timeout, e.URL)
}

// Wait polls the run until it completes or timeout passes, and returns
// the completed run.
func Wait(ctx context.Context, get Getter, id int64, htmlURL string, timeout time.Duration, poll Poll,
	sleep func(context.Context, time.Duration) error, now func() time.Time, logf func(string, ...any)) (*gh.WorkflowRun, error) {
	deadline := now().Add(timeout)
	var last *gh.WorkflowRun
	etag := ""
	interval := poll.First
	for {
		run, newETag, notModified, err := get(ctx, id, etag)
		if err != nil {
			return nil, err
		}
		if !notModified {
			last, etag = run, newETag
			if htmlURL == "" {
				htmlURL = run.GetHTMLURL()
			}
			if last.GetStatus() == "completed" {
				return last, nil
			}
		}
		status := last.GetStatus()
		left := deadline.Sub(now())
		if left <= 0 {
			return last, &TimeoutError{ID: id, URL: htmlURL, Timeout: timeout, Status: status}
		}
		wait := min(interval, left)
		logf("run %d is %s; looking again in %s", id, status, wait)
		if err := sleep(ctx, wait); err != nil {
			return last, fmt.Errorf("wait for run %d: %w", id, err)
		}
		interval = min(interval+poll.Step, poll.Max)
	}
}
