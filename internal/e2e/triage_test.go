package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

const triageLabel = "nightly-broken"

// fail plays what happens when a build job of the orchestration fails:
// the run as GitHub keeps it (its jobs, build-node's log), then the
// orchestrator's triage job, whose step's outputs it returns.
func (p *pipeline) fail(o *orchestration, attempt int, log string) map[string]string {
	p.t.Helper()
	id := o.orch.vars["GITHUB_RUN_ID"]
	if n, err := strconv.ParseInt(id, 10, 64); err != nil || !p.hasRun(n) {
		run := p.srv.AddRun(owner+"/bllvm", githubtest.Run{WorkflowID: "release_orchestrator.yml", Name: "Release Orchestrator", Event: "repository_dispatch", Status: "completed", Conclusion: "failure", HeadBranch: "main", HeadSHA: bllvmSHA})
		id = strconv.FormatInt(run.ID, 10)
		o.orch.vars["GITHUB_RUN_ID"] = id
	}
	runID, _ := strconv.ParseInt(id, 10, 64)
	p.srv.SetJobs(owner+"/bllvm", runID,
		githubtest.Job{Name: "plan", RunAttempt: attempt},
		githubtest.Job{Name: "build-node", Conclusion: "failure", RunAttempt: attempt, Log: log,
			Steps: []githubtest.JobStep{{Name: "Lay out bllvm-node and what it depends on, at the pinned commits"}, {Name: "Build bllvm-node", Conclusion: "failure"}}},
		githubtest.Job{Name: "publish", Conclusion: "skipped", RunAttempt: attempt},
	)
	o.orch.vars["GITHUB_RUN_ATTEMPT"] = strconv.Itoa(attempt)
	return o.orch.step("triage", "", map[string]string{
		"needs.plan.outputs.manifest": o.plan["manifest"],
		"needs.plan.outputs.base":     o.plan["base"],
	})
}

func (p *pipeline) hasRun(id int64) bool {
	for _, r := range p.srv.Runs(owner + "/bllvm") {
		if r.ID == id {
			return true
		}
	}
	return false
}

func (p *pipeline) trackingIssues() []githubtest.Issue {
	var out []githubtest.Issue
	for _, i := range p.srv.Issues(owner + "/bllvm") {
		if len(i.Labels) == 1 && i.Labels[0] == triageLabel {
			out = append(out, i)
		}
	}
	return out
}

// rustcError is build-node's log when bllvm-consensus's src/script.rs no
// longer compiles with it, as a runner keeps it: timestamps, colours.
func rustcError(file string) string {
	return "2025-11-18T02:10:00.0000000Z    Compiling bllvm-consensus v0.1.0 (/home/runner/work/bllvm/bllvm/sources/bllvm-consensus)\n" +
		"2025-11-18T02:10:01.0000000Z \x1b[0m\x1b[1m\x1b[38;5;9merror[E0599]\x1b[0m: no method named `verify` found\n" +
		"2025-11-18T02:10:01.0000000Z   --> sources/bllvm-consensus/" + file + ":88:14\n" +
		"2025-11-18T02:10:02.0000000Z error: could not compile `bllvm-node` (lib) due to 1 previous error\n"
}

// A week of a nightly that breaks and recovers, through the examples'
// triage job and the publish job's closing step.
func TestTriageWeek(t *testing.T) {
	p := newPipeline(t)

	// Day 1: a nightly; the closing step finds nothing to close.
	first := p.orchestrate(p.nightlySchedule())
	require.True(t, first.published)
	assert.Equal(t, "unchanged", first.closed["state"])
	assert.Empty(t, p.trackingIssues())

	// Day 2: two consensus commits; the first changes src/script.rs, the
	// second the docs. The orchestrator's build of bllvm-node fails on
	// src/script.rs.
	p.day++
	scriptChange := commitID(1, 2)
	p.push("bllvm-consensus", scriptChange)
	p.srv.SetCommitInfo(owner+"/bllvm-consensus", scriptChange, githubtest.CommitInfo{Message: "Check scripts in one pass\n\nThe old verify is gone.", Author: "alice", Files: []string{"src/script.rs", "src/lib.rs"}})
	dispatch := p.pushTo("bllvm-consensus", 3)
	docsChange := p.heads["bllvm-consensus"]
	p.srv.SetCommitInfo(owner+"/bllvm-consensus", docsChange, githubtest.CommitInfo{Message: "Explain the script checks", Author: "bob", Files: []string{"README.md", "docs/scripts.md"}})
	broken := p.planRun(dispatch)
	opened := p.fail(broken, 1, rustcError("src/script.rs"))
	assert.Equal(t, "opened", opened["state"])
	issues := p.trackingIssues()
	require.Len(t, issues, 1, "one tracking issue")
	issue := issues[0]
	assert.Equal(t, strconv.Itoa(issue.Number), opened["issue"])
	body := issue.Body
	ranking := body[strings.Index(body, "#### Ranking"):]
	first1, _, _ := strings.Cut(ranking[strings.Index(ranking, "1. "):], "\n2. ")
	assert.Contains(t, first1, scriptChange, "the commit that changed src/script.rs comes first")
	assert.Contains(t, first1, "Check scripts in one pass")
	assert.Contains(t, first1, "<code>--&gt; sources/bllvm-consensus/src/script.rs:88:14</code>", "with the log line quoted")
	assert.Contains(t, body, "Explain the script checks", "the other suspect is listed")
	assert.Contains(t, body, "since ["+first.release["tag"]+"]", "compared with the last good nightly")
	assert.JSONEq(t, fmt.Sprintf(`[{"component":"consensus","from":%q,"to":%q,"commits":2,"matched":true}]`, commitID(1, 1), docsChange), opened["suspects"])
	assert.NotContains(t, body, "@")

	// The triage job rerun for the same attempt: nothing new.
	rerun := p.fail(broken, 1, rustcError("src/script.rs"))
	assert.Equal(t, "unchanged", rerun["state"])
	require.Len(t, p.trackingIssues(), 1)
	assert.Empty(t, p.trackingIssues()[0].Comments)

	// Day 3: the nightly fails again: one comment, a second row.
	p.day++
	again := p.planRun(p.nightlySchedule())
	commented := p.fail(again, 1, rustcError("src/script.rs"))
	assert.Equal(t, "commented", commented["state"])
	issue = p.trackingIssues()[0]
	require.Len(t, issue.Comments, 1)
	assert.Contains(t, issue.Comments[0].Body, scriptChange)
	assert.Len(t, regexp.MustCompile(`(?m)^\| \[\d+ #1\]`).FindAllString(issue.Body, -1), 2, "the body's table names both failing runs")

	// Day 4: the fix lands; the next nightly is published and closes the
	// issue, linking it.
	p.day++
	fixed := p.orchestrate(p.pushTo("bllvm-consensus", 4))
	require.True(t, fixed.published)
	assert.Equal(t, "closed", fixed.closed["state"])
	issue = p.trackingIssues()[0]
	assert.Equal(t, "closed", issue.State)
	require.Len(t, issue.Comments, 2)
	assert.Contains(t, issue.Comments[1].Body, "["+fixed.release["tag"]+"](https://github.com/BTCDecoded/bllvm/releases/tag/"+fixed.release["tag"]+") was published")
	// The fake keeps the wall clock, not the pipeline's days.
	assert.Contains(t, issue.Comments[1].Body, "the pipeline works again, after being broken for ")

	// Day 6: a second break opens a new issue.
	p.day += 2
	p.push("bllvm-node", commitID(3, 7))
	later := p.planRun(p.nightlySchedule())
	reopened := p.fail(later, 1, rustcError("src/node.rs"))
	assert.Equal(t, "opened", reopened["state"])
	issues = p.trackingIssues()
	require.Len(t, issues, 2)
	assert.Equal(t, "closed", issues[0].State)
	assert.Equal(t, "open", issues[1].State)
	assert.Contains(t, issues[1].Body, "since ["+fixed.release["tag"]+"]", "the new issue compares with the nightly that fixed the first")
}
