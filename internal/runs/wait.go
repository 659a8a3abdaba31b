// Package runs waits for a GitHub Actions workflow run to complete,
// polling frugally: growing intervals and conditional requests.
package runs

import (
	"context"
	"fmt"
	"time"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/report"
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

// Error quotes the status and URL, which come from the server, unless they
// are plain (report.Value), so that they cannot break the line.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("run %d is still %s after %s: see %s (raise wait-timeout to wait longer)", e.ID, report.Value(e.Status), e.Timeout, report.Value(e.URL))
}

// Until calls check until it reports done or timeout passes, waiting
// between calls as p says (first, then growing by step up to max) and never
// past the deadline; waiting is told each wait before it starts. It reports
// whether check was done in time. An error from check is returned as it
// is; a sleep cut short (the job cancelled) stops the polling.
func (p Poll) Until(ctx context.Context, timeout time.Duration, now func() time.Time, sleep func(context.Context, time.Duration) error,
	check func() (bool, error), waiting func(time.Duration)) (bool, error) {
	deadline := now().Add(timeout)
	interval := p.First
	for {
		done, err := check()
		if err != nil || done {
			return done, err
		}
		left := deadline.Sub(now())
		if left <= 0 {
			return false, nil
		}
		wait := min(interval, left)
		waiting(wait)
		if err := sleep(ctx, wait); err != nil {
			return false, fmt.Errorf("stop waiting: %w", err)
		}
		interval = min(interval+p.Step, p.Max)
	}
}

// StillEvery is the longest a wait goes without a line while nothing
// changes.
const StillEvery = time.Minute

// Quiet tells a wait when to say it is still waiting: at a poll whose next
// look would come more than StillEvery after the last line. Polls are at
// most a minute apart (DefaultPoll), so a wait where nothing changes still
// shows a line about every minute, and one that changes often no extra.
type Quiet struct {
	now  func() time.Time
	last time.Time
}

// NewQuiet starts counting now, as if a line was just said.
func NewQuiet(now func() time.Time) *Quiet { return &Quiet{now: now, last: now()} }

// Said notes a line logged now.
func (q *Quiet) Said() { q.last = q.now() }

// Due tells whether a line must be said now, the next look being wait
// away; if so it counts it as said.
func (q *Quiet) Due(wait time.Duration) bool {
	if q.now().Add(wait).Sub(q.last) <= StillEvery {
		return false
	}
	q.Said()
	return true
}

// Wait polls the run until it completes or timeout passes, and returns
// the completed run. It logs the run's URL first, then its status and each
// change of it (status: queued → in_progress), and, while nothing changes,
// a line at least every minute (still in_progress after 3m0s).
func Wait(ctx context.Context, get Getter, id int64, htmlURL string, timeout time.Duration, poll Poll,
	sleep func(context.Context, time.Duration) error, now func() time.Time, logf func(string, ...any)) (*gh.WorkflowRun, error) {
	start := now()
	quiet := NewQuiet(now)
	say := func(format string, args ...any) {
		logf(format, args...)
		quiet.Said()
	}
	// Without the URL (a dispatch that did not say it), the run's first
	// answer gives it.
	if htmlURL != "" {
		say("waiting for %s", report.Value(htmlURL))
	}
	var last *gh.WorkflowRun
	etag := ""
	polls := 0
	done, err := poll.Until(ctx, timeout, now, sleep, func() (bool, error) {
		run, newETag, notModified, err := get(ctx, id, etag)
		if err != nil || notModified {
			return false, err
		}
		previous := last
		last, etag = run, newETag
		if previous == nil && htmlURL == "" {
			htmlURL = run.GetHTMLURL()
			if htmlURL == "" {
				say("waiting for run %d", id)
			} else {
				say("waiting for %s", report.Value(htmlURL))
			}
		}
		completed := last.GetStatus() == "completed"
		status := report.Value(last.GetStatus())
		if completed {
			status += " (" + report.Value(last.GetConclusion()) + ")"
		}
		switch {
		case previous == nil && completed:
			say("status: %s", status)
		case previous != nil && previous.GetStatus() != last.GetStatus():
			say("status: %s → %s", report.Value(previous.GetStatus()), status)
		}
		return completed, nil
	}, func(wait time.Duration) {
		polls++
		switch {
		case polls == 1:
			say("run %d is %s; looking again in %s", id, report.Value(last.GetStatus()), wait)
		case quiet.Due(wait):
			logf("still %s after %s", report.Value(last.GetStatus()), now().Sub(start).Round(time.Second))
		}
	})
	switch {
	case err != nil:
		return last, fmt.Errorf("wait for run %d: %w", id, err)
	case !done:
		return last, &TimeoutError{ID: id, URL: htmlURL, Timeout: timeout, Status: last.GetStatus()}
	}
	return last, nil
}
