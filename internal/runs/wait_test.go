package runs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type step struct{ status, conclusion string }

// scripted plays a run through its steps, one per 200; an unchanged step
// is a 304 when the poller sends the ETag it got.
func scripted(steps ...step) (Getter, *int, *int) {
	i, requests, notModified := 0, 0, 0
	return func(_ context.Context, id int64, etag string) (*gh.WorkflowRun, string, bool, error) {
		requests++
		s := steps[min(i, len(steps)-1)]
		i++
		tag := fmt.Sprintf(`"%s/%s"`, s.status, s.conclusion)
		if etag == tag {
			notModified++
			return nil, etag, true, nil
		}
		return &gh.WorkflowRun{ID: gh.Int64(id), Status: gh.String(s.status), Conclusion: gh.String(s.conclusion), HTMLURL: gh.String("https://github.com/o/r/actions/runs/9")}, tag, false, nil
	}, &requests, &notModified
}

type clock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *clock) Now() time.Time { return c.now }
func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func TestWait(t *testing.T) {
	queued, running := step{"queued", ""}, step{"in_progress", ""}
	tests := []struct {
		name           string
		steps          []step
		timeout        time.Duration
		wantConclusion string
		wantSleeps     []time.Duration
		wantTimeout    bool
		want304        int
	}{
		{"already done", []step{{"completed", "success"}}, time.Minute, "success", nil, false, 0},
		{"success after a while, waits grow", []step{queued, running, running, running, {"completed", "success"}}, time.Hour, "success",
			[]time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second, 20 * time.Second}, false, 2},
		{"failure is returned, not judged", []step{running, {"completed", "failure"}}, time.Hour, "failure", []time.Duration{5 * time.Second}, false, 0},
		{"timeout", []step{running}, 12 * time.Second, "", []time.Duration{5 * time.Second, 7 * time.Second}, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			get, _, notModified := scripted(tt.steps...)
			c := &clock{now: time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC)}
			run, err := Wait(context.Background(), get, 9, "", tt.timeout, DefaultPoll, c.Sleep, c.Now, func(string, ...any) {})
			assert.Equal(t, tt.wantSleeps, c.sleeps)
			assert.Equal(t, tt.want304, *notModified, "unchanged answers are 304s")
			if tt.wantTimeout {
				var timeout *TimeoutError
				require.True(t, errors.As(err, &timeout), "%v", err)
				assert.Contains(t, err.Error(), "https://github.com/o/r/actions/runs/9")
				assert.Contains(t, err.Error(), "still in_progress after 12s")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantConclusion, run.GetConclusion())
		})
	}
}

func TestWaitIntervalsAreCapped(t *testing.T) {
	get, requests, _ := scripted(step{"queued", ""})
	c := &clock{now: time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC)}
	_, err := Wait(context.Background(), get, 9, "u", 30*time.Minute, DefaultPoll, c.Sleep, c.Now, func(string, ...any) {})
	require.Error(t, err)
	assert.Equal(t, time.Minute, c.sleeps[len(c.sleeps)-2])
	assert.LessOrEqual(t, *requests, 45, "a 30-minute wait stays within the request budget")
}

func TestWaitStopsOnError(t *testing.T) {
	boom := errors.New("read run 9: 500")
	get := func(context.Context, int64, string) (*gh.WorkflowRun, string, bool, error) {
		return nil, "", false, boom
	}
	c := &clock{}
	_, err := Wait(context.Background(), get, 9, "u", time.Minute, DefaultPoll, c.Sleep, c.Now, func(string, ...any) {})
	assert.ErrorIs(t, err, boom)
}

// A status or URL the server made up cannot break the line it is logged
// in, nor the error: it is quoted, while ordinary ones read as they are.
func TestWaitQuotesWhatTheServerSays(t *testing.T) {
	tests := []struct {
		name, status, url string
		wantFirst         string
		wantLog, wantErr  string
	}{
		{"plain", "in_progress", "https://github.com/o/r/actions/runs/9", "waiting for https://github.com/o/r/actions/runs/9",
			"run 9 is in_progress; looking again in 5s", "run 9 is still in_progress after 8s: see https://github.com/o/r/actions/runs/9 "},
		{"a status with a command on a new line", "in_progress\n::add-mask::x", "https://github.com/o/r/actions/runs/9", "waiting for https://github.com/o/r/actions/runs/9",
			`run 9 is "in_progress\n::add-mask::x"; looking again in 5s`, `run 9 is still "in_progress\n::add-mask::x" after 8s`},
		{"a URL with a line break", "queued", "https://github.com/o/r/actions/runs/9\r\n::error::forged", `waiting for "https://github.com/o/r/actions/runs/9\r\n::error::forged"`,
			"run 9 is queued; looking again in 5s", `see "https://github.com/o/r/actions/runs/9\r\n::error::forged" (raise`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			get := func(_ context.Context, id int64, _ string) (*gh.WorkflowRun, string, bool, error) {
				return &gh.WorkflowRun{ID: gh.Int64(id), Status: gh.String(tt.status), HTMLURL: gh.String(tt.url)}, "", false, nil
			}
			c := &clock{now: time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC)}
			var logged []string
			logf := func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) }
			_, err := Wait(context.Background(), get, 9, "", 8*time.Second, DefaultPoll, c.Sleep, c.Now, logf)
			require.Error(t, err)
			require.NotEmpty(t, logged)
			assert.Equal(t, tt.wantFirst, logged[0], "the URL first")
			assert.Contains(t, logged, tt.wantLog)
			assert.Contains(t, err.Error(), tt.wantErr)
			for _, text := range append(logged, err.Error()) {
				assert.NotContains(t, text, "\n")
				assert.NotContains(t, text, "\r")
			}
		})
	}
}

// A wait tells what it waits for and how it goes: the run's URL first,
// then its status and each change of it, and while nothing changes a line
// at least every minute of the clock.
func TestWaitTellsProgress(t *testing.T) {
	const url = "https://github.com/o/r/actions/runs/9"
	queued, running := step{"queued", ""}, step{"in_progress", ""}
	done := step{"completed", "success"}
	longRun := append(append([]step{queued}, slices.Repeat([]step{running}, 12)...), done)
	tests := []struct {
		name    string
		url     string // as the dispatch said it; "" when it did not
		steps   []step
		timeout time.Duration
		want    []string // every line, each after the seconds it was said at
	}{
		{"done at the first look", url, []step{done}, time.Hour, []string{
			"0 waiting for " + url,
			"0 status: completed (success)",
		}},
		{"the URL from the run's first answer", "", []step{queued, done}, time.Hour, []string{
			"0 waiting for " + url,
			"0 run 9 is queued; looking again in 5s",
			"5 status: queued → completed (success)",
		}},
		{"each change, and a line a minute while unchanged", url, longRun, time.Hour, []string{
			"0 waiting for " + url,
			"0 run 9 is queued; looking again in 5s",
			"5 status: queued → in_progress",
			// Polls at 15, 30 (unchanged, 304s) say nothing: the next
			// look is still within a minute of the last line.
			"50 still in_progress after 50s",
			"105 still in_progress after 1m45s",
			"140 still in_progress after 2m20s",
			"180 still in_progress after 3m0s",
			"225 still in_progress after 3m45s",
			"275 still in_progress after 4m35s",
			"330 still in_progress after 5m30s",
			"390 still in_progress after 6m30s",
			"450 status: in_progress → completed (success)",
		}},
		{"unchanged until the timeout", url, []step{running}, 2 * time.Minute, []string{
			"0 waiting for " + url,
			"0 run 9 is in_progress; looking again in 5s",
			"50 still in_progress after 50s",
			"105 still in_progress after 1m45s",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			get, _, _ := scripted(tt.steps...)
			start := time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC)
			c := &clock{now: start}
			var logged []string
			var at []time.Duration
			logf := func(format string, args ...any) {
				at = append(at, c.now.Sub(start))
				logged = append(logged, fmt.Sprintf("%d ", int(c.now.Sub(start).Seconds()))+fmt.Sprintf(format, args...))
			}
			_, _ = Wait(context.Background(), get, 9, tt.url, tt.timeout, DefaultPoll, c.Sleep, c.Now, logf)
			assert.Equal(t, tt.want, logged)
			for i := 1; i < len(at); i++ {
				assert.LessOrEqual(t, at[i]-at[i-1], StillEvery, "no quiet stretch over a minute before %q", logged[i])
			}
		})
	}
}
