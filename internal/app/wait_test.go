package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// echoDispatchID is an orchestrator whose workflow has
// run-name: build ${{ github.event.client_payload.dispatch_id }}.
func echoDispatchID(_ string, payload map[string]any) string {
	return fmt.Sprintf("build %v", payload["dispatch_id"])
}

func waitWorld(t *testing.T, vars map[string]string, opts ...githubtest.Option) *world {
	t.Helper()
	opts = append([]githubtest.Option{githubtest.WithDispatchRuns(echoDispatchID)}, opts...)
	return newWorld(t, opts...).with(map[string]string{"INPUT_WAIT": "true"}).with(vars)
}

func TestTriggerOrchestratorWaits(t *testing.T) {
	queued := githubtest.RunStep{Status: "queued"}
	running := githubtest.RunStep{Status: "in_progress"}
	tests := []struct {
		name       string
		steps      []githubtest.RunStep
		timeout    string
		wantCode   int
		wantOutput string
		wantError  string
	}{
		{"success", []githubtest.RunStep{queued, running, running, {Status: "completed", Conclusion: "success"}}, "", 0, "success", ""},
		{"failure", []githubtest.RunStep{running, {Status: "completed", Conclusion: "failure"}}, "", 1, "", "orchestrator run %d for build_consensus concluded failure: see https://github.com/BTCDecoded/bllvm/actions/runs/%d"},
		{"cancelled", []githubtest.RunStep{{Status: "completed", Conclusion: "cancelled"}}, "", 1, "", "concluded cancelled: see https://github.com/BTCDecoded/bllvm/actions/runs/%d"},
		{"timeout", []githubtest.RunStep{running}, "90s", 1, "", "run %d is still in_progress after 1m30s: see https://github.com/BTCDecoded/bllvm/actions/runs/%d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := waitWorld(t, map[string]string{"INPUT_WAIT-TIMEOUT": tt.timeout})
			w.srv.ScriptNextRuns(tt.steps...)
			o := w.run()
			require.Equal(t, tt.wantCode, o.code, o.stdout)
			runs := w.srv.Runs("BTCDecoded/bllvm")
			require.Len(t, runs, 1)
			id := runs[0].ID
			if tt.wantError != "" {
				want := strings.ReplaceAll(tt.wantError, "%d", fmt.Sprint(id))
				assert.Contains(t, errorLine(t, o.stdout), want)
				return
			}
			assert.Equal(t, fmt.Sprint(id), o.outputs["run-id"])
			assert.Equal(t, fmt.Sprintf("https://github.com/BTCDecoded/bllvm/actions/runs/%d", id), o.outputs["run-url"])
			assert.Equal(t, tt.wantOutput, o.outputs["conclusion"])
			assert.Positive(t, w.srv.NotModified(), "unchanged polls are conditional 304s")
			assert.LessOrEqual(t, len(o.requests), 10, "dispatch, one listing, a few polls")
		})
	}
}

func TestTriggerOrchestratorFindsItsRun(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *world)
	}{
		{"only on a later page", func(w *world) {
			// 150 newer runs of other dispatches push ours to page 2.
			for i := range 150 {
				w.srv.AddRun("BTCDecoded/bllvm", githubtest.Run{Event: "repository_dispatch", DisplayTitle: fmt.Sprintf("build 9%d-1-00000000", i), CreatedAt: w.clock.Now().Add(time.Hour)})
			}
		}},
		{"only on a later poll", func(w *world) { w.srv.HideNewRunsFor(2) }},
		{"next to another repository's run of the same moment", func(w *world) {
			w.srv.AddRun("BTCDecoded/bllvm", githubtest.Run{Event: "repository_dispatch", DisplayTitle: "build 17001-1-00000000", CreatedAt: w.clock.Now().Add(time.Minute)})
			w.srv.AddRun("BTCDecoded/bllvm", githubtest.Run{Event: "workflow_dispatch", DisplayTitle: "build 7001-1-whatever", CreatedAt: w.clock.Now().Add(time.Minute)})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := waitWorld(t, nil)
			tt.setup(w)
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			var ours int64
			for _, r := range w.srv.Runs("BTCDecoded/bllvm") {
				if strings.HasSuffix(r.DisplayTitle, o.outputs["dispatch-id"]) && r.Event == "repository_dispatch" {
					ours = r.ID
				}
			}
			require.NotZero(t, ours)
			assert.Equal(t, fmt.Sprint(ours), o.outputs["run-id"])
			assert.Equal(t, "success", o.outputs["conclusion"])
		})
	}
}

func TestTriggerOrchestratorRunNotEchoed(t *testing.T) {
	w := newWorld(t, githubtest.WithDispatchRuns(func(string, map[string]any) string { return "Release Orchestrator" })).with(map[string]string{"INPUT_WAIT": "true"})
	o := w.run()
	assert.Equal(t, 1, o.code)
	line := errorLine(t, o.stdout)
	assert.Contains(t, line, "no repository_dispatch run of BTCDecoded/bllvm has it in its title after 3m0s")
	assert.Contains(t, line, "run-name: build ${{ github.event.client_payload.dispatch_id }}")
	var waited time.Duration
	for _, d := range o.sleeps {
		waited += d
	}
	assert.LessOrEqual(t, waited, 3*time.Minute, "a bounded search")
}

// Two repositories dispatch at the same moment; each follows its own run.
func TestConcurrentDispatchesFindTheirOwnRuns(t *testing.T) {
	first := waitWorld(t, nil)
	first.srv.AddRepository("BTCDecoded/bllvm-node")
	second := &world{t: t, srv: first.srv, clock: first.clock, vars: map[string]string{}}
	for k, v := range first.vars {
		second.vars[k] = v
	}
	dir := t.TempDir()
	second.with(map[string]string{
		"GITHUB_REPOSITORY":   "BTCDecoded/bllvm-node",
		"GITHUB_RUN_ID":       "8002",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
	})
	first.srv.HideNewRunsFor(1)
	first.srv.ScriptNextRuns(githubtest.RunStep{Status: "in_progress"}, githubtest.RunStep{Status: "completed", Conclusion: "success"})

	var wg sync.WaitGroup
	outcomes := make([]outcome, 2)
	for i, w := range []*world{first, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcomes[i] = w.run()
		}()
	}
	wg.Wait()
	runs := map[string]string{} // dispatch id → run id
	for _, r := range first.srv.Runs("BTCDecoded/bllvm") {
		runs[strings.TrimPrefix(r.DisplayTitle, "build ")] = fmt.Sprint(r.ID)
	}
	require.Len(t, runs, 2)
	for i, o := range outcomes {
		require.Equal(t, 0, o.code, "world %d: %s", i, o.stdout)
		assert.Equal(t, runs[o.outputs["dispatch-id"]], o.outputs["run-id"], "world %d follows its own run", i)
	}
	assert.NotEqual(t, outcomes[0].outputs["run-id"], outcomes[1].outputs["run-id"])
}
