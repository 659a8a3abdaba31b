package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/prerelease"
)

// throttled sends the bodies of uploads named slow (to uploads.github.com)
// at perSecond bytes per second of the world's clock, the clock moving
// (and ticking) as the body is read, each read leaving it at the time its
// bytes took; perSecond 0 takes the body at once, as a socket's buffers
// take a small file. GitHub then takes confirm of the clock to answer.
// Everything else goes to the fake as it is.
type throttled struct {
	next      http.RoundTripper
	ticks     *githubtest.Ticks
	slow      string
	perSecond int64
	confirm   time.Duration
}

func (t throttled) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != "uploads.github.com" || req.URL.Query().Get("name") != t.slow || req.Body == nil {
		return t.next.RoundTrip(req)
	}
	slowed := req.Clone(req.Context())
	if t.perSecond > 0 {
		slowed.Body = &throttledBody{ReadCloser: req.Body, ticks: t.ticks, start: t.ticks.Now(), perSecond: t.perSecond}
	}
	resp, err := t.next.RoundTrip(slowed)
	if err == nil {
		t.ticks.Advance(t.confirm)
	}
	return resp, err
}

type throttledBody struct {
	io.ReadCloser
	ticks     *githubtest.Ticks
	start     time.Time
	perSecond int64
	read      int64
}

func (b *throttledBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	// Counted from the start, so that no rounding adds up.
	done := b.start.Add(time.Duration(float64(b.read) / float64(b.perSecond) * float64(time.Second)))
	b.ticks.Advance(done.Sub(b.ticks.Now()))
	return n, err
}

// runThrough is w.run with another HTTP client, and the same rule: the
// token is never written.
func (w *world) runThrough(client *http.Client) outcome {
	w.t.Helper()
	return w.runWith(context.Background(), client)
}

// runWith is runThrough with ctx, which may carry a ticker.
func (w *world) runWith(ctx context.Context, client *http.Client) outcome {
	w.t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(ctx, Env{
		Getenv:     func(k string) string { return w.vars[k] },
		Stdout:     &stdout,
		Stderr:     &stderr,
		HTTPClient: client,
		Now:        w.clock.Now,
		Sleep: func(_ context.Context, d time.Duration) error {
			w.clock.Advance(d)
			return nil
		},
	})
	o := outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
	o.outputs = githubtest.ReadOutputs(w.t, w.vars["GITHUB_OUTPUT"])
	shown := strings.ReplaceAll(o.stdout, "::add-mask::"+token+"\n", "")
	assert.NotContains(w.t, shown, token)
	assert.NotContains(w.t, o.stderr, token)
	return o
}

// assertExcerpt checks that lines appear in the log in this order, one
// after the other.
func assertExcerpt(t *testing.T, log string, lines ...string) {
	t.Helper()
	all := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	for i := range all {
		if all[i] == lines[0] && i+len(lines) <= len(all) {
			assert.Equal(t, lines, all[i:i+len(lines)], "log:\n%s", log)
			return
		}
	}
	t.Errorf("the log has no line %q:\n%s", lines[0], log)
}

// A create-prerelease whose one large asset takes 24 s of the clock:
// its progress shows every 10 s, inside the group of the assets' lines,
// whether the link is slow or the socket takes the file at once and
// GitHub is slow to confirm, and the step ends with the release's URL.
func TestUploadShowsProgress(t *testing.T) {
	const slow = "bllvm-node-linux-x64.tar.gz"
	tests := []struct {
		name      string
		size      int
		perSecond int64         // 0: the body taken at once
		confirm   time.Duration // GitHub's time to answer, once all is sent
		want      []string
	}{
		{"a slow link: bytes handed over, rate and time left", 6 << 20, 256 << 10, 0, []string{
			"uploading " + slow + ": 2.5 MiB of 6.0 MiB (41%), 256.0 KiB/s, about 14s left",
			"uploading " + slow + ": 5.0 MiB of 6.0 MiB (83%), 256.0 KiB/s, about 4s left",
			"uploaded " + slow + " (6.0 MiB) in 24s, 256.0 KiB/s",
		}},
		{"the socket takes it at once, GitHub slow to confirm", 1536 << 10, 0, 24 * time.Second, []string{
			"uploading " + slow + ": all 1.5 MiB sent, waiting for GitHub to confirm (10s)",
			"uploading " + slow + ": all 1.5 MiB sent, waiting for GitHub to confirm (20s)",
			"uploaded " + slow + " (1.5 MiB) in 24s, 64.0 KiB/s",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_ASSETS": "dist/**", "INPUT_UPLOAD-CONCURRENCY": "1"})
			w.assets()
			path := filepath.Join(w.vars["GITHUB_WORKSPACE"], "dist", slow)
			require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte("bllvm"), tt.size/5+1)[:tt.size], 0o644))
			ticks := githubtest.NewTicks(w.clock)
			client := &http.Client{Transport: throttled{next: w.srv.Client().Transport, ticks: ticks, slow: slow, perSecond: tt.perSecond, confirm: tt.confirm}}

			o := w.runWith(prerelease.WithTicker(context.Background(), ticks.Ticker), client)
			require.Equal(t, 0, o.code, o.stdout)
			url := "https://github.com/BTCDecoded/bllvm/releases/tag/" + todayTag
			assert.Equal(t, url, o.outputs["release-url"])
			assertExcerpt(t, o.stdout, tt.want...)
			// The last upload ends the group of the attach step, whose
			// closing line says what it did.
			assertExcerpt(t, o.stdout, tt.want[len(tt.want)-1], "::endgroup::", "assets: 4 uploaded, 0 unchanged, 0 replaced")
			assert.Less(t, strings.Index(o.stdout, "::group::Attach the assets of "+todayTag+"\n"), strings.Index(o.stdout, "uploading "+slow), "the progress is in the group")
			assert.True(t, strings.HasSuffix(o.stdout, "\ndone: published "+todayTag+" at "+url+" (4 assets)\n"), "the last line:\n%s", o.stdout)
			for _, name := range []string{"bllvm-linux-x64.tar.gz", "bllvm-darwin-arm.tar.gz", "SHA256SUMS"} {
				assert.NotContains(t, o.stdout, "uploading "+name, "a fast upload shows no progress")
			}
		})
	}
}

// Waiting for the orchestrator's run: its URL first, each change of its
// status, a line at least every minute of the clock while nothing
// changes, and the step ends with the run's URL and how it concluded.
func TestWaitShowsProgress(t *testing.T) {
	w := waitWorld(t, nil)
	running := githubtest.RunStep{Status: "in_progress"}
	steps := []githubtest.RunStep{{Status: "queued"}}
	for range 11 {
		steps = append(steps, running)
	}
	w.srv.ScriptNextRuns(append(steps, githubtest.RunStep{Status: "completed", Conclusion: "success"})...)

	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	id, url, dispatchID := o.outputs["run-id"], o.outputs["run-url"], o.outputs["dispatch-id"]
	require.NotEmpty(t, url)
	assertExcerpt(t, o.stdout,
		fmt.Sprintf("dispatch %s started run %s", dispatchID, id),
		"waiting for "+url,
		"run "+id+" is queued; looking again in 5s",
		"status: queued → in_progress",
		"still in_progress after 50s",
		"still in_progress after 1m45s",
		"still in_progress after 2m20s",
		"still in_progress after 3m0s",
		"still in_progress after 3m45s",
		"still in_progress after 4m35s",
		"still in_progress after 5m30s",
		"status: in_progress → completed (success)",
	)
	assert.True(t, strings.HasSuffix(o.stdout, "\ndone: dispatched build_consensus to BTCDecoded/bllvm (run "+url+", concluded success)\n"), "the last line:\n%s", o.stdout)
}

// Every mode ends a successful step with one line: what it did, and where
// to see it.
func TestDoneLine(t *testing.T) {
	const (
		tagURL  = "https://github.com/BTCDecoded/bllvm/tree/" + todayTag
		release = "https://github.com/BTCDecoded/bllvm/releases/tag/" + todayTag
	)
	tests := []struct {
		name  string
		world func(t *testing.T) *world
		want  string // {run-url} is the run-url output
	}{
		{"trigger-orchestrator", func(t *testing.T) *world { return newWorld(t) },
			"done: dispatched build_consensus to BTCDecoded/bllvm (its runs: https://github.com/BTCDecoded/bllvm/actions?query=event%3Arepository_dispatch)"},
		{"trigger-orchestrator, waiting", func(t *testing.T) *world { return waitWorld(t, nil) },
			"done: dispatched build_consensus to BTCDecoded/bllvm (run {run-url}, concluded success)"},
		{"trigger-orchestrator, skipped", func(t *testing.T) *world {
			return newWorld(t).with(map[string]string{"GITHUB_REF": "refs/heads/feature/x"})
		}, "done: skipped: branch feature/x is not one of main, master; nothing dispatched to BTCDecoded/bllvm"},
		{"trigger-orchestrator, dry run", func(t *testing.T) *world { return newWorld(t).with(map[string]string{"INPUT_DRY-RUN": "true"}) },
			"done: dry run: would dispatch build_consensus to BTCDecoded/bllvm"},
		{"nightly-tag, named only", func(t *testing.T) *world { return releaseWorld(t, "nightly-tag") },
			"done: named " + todayTag + " for " + pushSHA + " (not pushed: push-tag is off)"},
		{"nightly-tag, tagged", func(t *testing.T) *world {
			return releaseWorld(t, "nightly-tag").with(map[string]string{"INPUT_PUSH-TAG": "true"})
		}, "done: tagged " + todayTag + " at " + pushSHA + " (" + tagURL + ")"},
		{"nightly-tag, already tagged", func(t *testing.T) *world {
			w := releaseWorld(t, "nightly-tag").with(map[string]string{"INPUT_PUSH-TAG": "true"})
			w.srv.SetTag(orchestrator, todayTag, pushSHA)
			return w
		}, "done: " + todayTag + " was already at " + pushSHA + " (" + tagURL + ")"},
		{"nightly-tag, unchanged", func(t *testing.T) *world {
			w := releaseWorld(t, "nightly-tag").with(map[string]string{"INPUT_PUSH-TAG": "true", "INPUT_SKIP-UNCHANGED": "true"})
			w.srv.SetTag(orchestrator, "nightly-20251116-6113728", pushSHA)
			return w
		}, "done: nothing to tag: the newest nightly already points at " + pushSHA},
		{"create-prerelease", func(t *testing.T) *world {
			w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_ASSETS": "dist/**"})
			w.assets()
			return w
		}, "done: published " + todayTag + " at " + release + " (3 assets)"},
		{"create-prerelease, dry run", func(t *testing.T) *world {
			w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_ASSETS": "dist/**", "INPUT_DRY-RUN": "true"})
			w.assets()
			return w
		}, "done: dry run: would publish " + todayTag + " with 3 assets"},
		{"create-prerelease via a workflow", func(t *testing.T) *world { return workflowWorld(t, nil) },
			"done: dispatched prerelease.yml for " + todayTag + " (run {run-url})"},
		{"create-prerelease via a workflow that does not say its run", func(t *testing.T) *world {
			return workflowWorld(t, nil, githubtest.WithoutRunDetails(422))
		}, "done: dispatched prerelease.yml for " + todayTag + " (its runs: https://github.com/BTCDecoded/bllvm/actions/workflows/prerelease.yml)"},
		{"create-prerelease via a workflow, waiting", func(t *testing.T) *world {
			w := workflowWorld(t, map[string]string{"INPUT_WAIT": "true"})
			w.srv.ScriptNextRuns(githubtest.RunStep{Status: "in_progress"}, githubtest.RunStep{Status: "completed", Conclusion: "success"})
			return w
		}, "done: dispatched prerelease.yml for " + todayTag + " (run {run-url}, concluded success)"},
		{"plan", func(t *testing.T) *world {
			w := newWorld(t).with(map[string]string{
				"INPUT_MODE": "plan", "GITHUB_REPOSITORY": orchestrator, "GITHUB_WORKSPACE": t.TempDir(),
				"INPUT_GRAPH":   "core: {}\nleft: {depends-on: [core]}\nright: {depends-on: [core]}\napp: {repository: the-app, depends-on: [left, right]}",
				"INPUT_CHANGED": "core", "INPUT_RESOLVE-COMMITS": "false",
			})
			return w
		}, "done: planned 4 components in 3 waves"},
		{"plan, commits resolved", func(t *testing.T) *world { return planWorld(t) }, "done: planned 6 components in 5 waves, each at a pinned commit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.world(t).run()
			require.Equal(t, 0, o.code, o.stdout)
			want := strings.NewReplacer("{run-url}", o.outputs["run-url"]).Replace(tt.want)
			lines := strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")
			assert.Equal(t, want, lines[len(lines)-1], "the last line")
			assert.Equal(t, 1, strings.Count(o.stdout, "done: "), "one such line")
		})
	}
}
