package app

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
)

// The triage world: the last good nightly (planBase) holds every
// component at heads but consensus, which then gained two commits: the
// older changed src/script.rs, the newer only the docs. The failing run
// built that snapshot; its build-node job's log names src/script.rs.
const (
	consensusGood   = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
	scriptCommit    = "5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c"
	docsCommit      = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0"
	triageLabel     = "nightly-broken"
	failingLogLines = "2026-12-07T02:10:00.0000000Z    Compiling bllvm-node v0.1.0\n" +
		"2026-12-07T02:10:01.0000000Z \x1b[31merror[E0308]\x1b[0m: mismatched types\n" +
		"2026-12-07T02:10:01.0000000Z   --> /home/runner/work/bllvm/bllvm/sources/bllvm-consensus/src/script.rs:42:9\n"
)

type triageWorld struct {
	*world
	runID    int64
	snapshot manifest.Manifest
}

func newTriageWorld(t testing.TB) *triageWorld {
	t.Helper()
	w := planWorld(t)
	repo := consensus
	w.srv.AddCommit(repo, consensusGood)
	w.srv.AddCommitOn(repo, consensusGood, scriptCommit)
	w.srv.AddCommitOn(repo, scriptCommit, docsCommit)
	w.srv.SetBranch(repo, "main", docsCommit)
	w.srv.SetCommitInfo(repo, scriptCommit, githubtest.CommitInfo{Message: "Change script verification\n\nDetails.", Author: "alice", Files: []string{"src/script.rs", "src/lib.rs"}})
	w.srv.SetCommitInfo(repo, docsCommit, githubtest.CommitInfo{Message: "Tidy the docs", Author: "bob", Files: []string{"README.md"}})
	base := map[string]string{}
	for k, v := range heads {
		base[k] = v
	}
	base["consensus"] = consensusGood
	triageBase(t, w, base)

	var snapshot manifest.Manifest
	for _, c := range componentRepos {
		sha := heads[c.component]
		if c.component == "consensus" {
			sha = docsCommit
		}
		snapshot = append(snapshot, manifest.Entry{Component: c.component, Repository: "BTCDecoded/" + c.repository, SHA: sha, Rebuilt: c.component != "governance"})
	}
	tw := &triageWorld{world: w, snapshot: snapshot}
	tw.runID = tw.failingRun(1, failingLogLines)
	return tw
}

// triageBench is the triage world whose failing run has failed failing
// jobs, each with the log that names src/script.rs: triage on failure
// sends at most 4 + 2F + S requests (S = 2 suspect commits).
func triageBench(failed int) func(testing.TB) *world {
	return func(tb testing.TB) *world {
		w := newTriageWorld(tb)
		failJobs(w.world, w.runID, 1, failed)
		return w.world
	}
}

// failJobs gives attempt of run runID failed jobs, each with the log
// that names src/script.rs, and makes that attempt this run's.
func failJobs(w *world, runID int64, attempt, failed int) {
	var jobs []githubtest.Job
	for i := range failed {
		jobs = append(jobs, githubtest.Job{Name: fmt.Sprintf("build-%d", i), Conclusion: "failure", Log: failingLogLines, RunAttempt: attempt})
	}
	w.srv.SetJobs(orchestrator, runID, jobs...)
	w.vars["GITHUB_RUN_ATTEMPT"] = fmt.Sprint(attempt)
}

// failingRun plants a run of the orchestrator whose build-node job failed
// with log, and makes it this run.
func (w *triageWorld) failingRun(attempt int, log string) int64 {
	w.t.Helper()
	run := w.srv.AddRun(orchestrator, githubtest.Run{WorkflowID: "release_orchestrator.yml", Name: "Release Orchestrator", Event: "repository_dispatch", Status: "completed", Conclusion: "failure", HeadBranch: "main", HeadSHA: pushSHA})
	w.srv.SetJobs(orchestrator, run.ID,
		githubtest.Job{Name: "plan", RunAttempt: attempt},
		githubtest.Job{Name: "build-node", Conclusion: "failure", RunAttempt: attempt, Log: log,
			Steps: []githubtest.JobStep{{Name: "Lay out bllvm-node"}, {Name: "Build bllvm-node", Conclusion: "failure"}}},
		githubtest.Job{Name: "publish", Conclusion: "skipped", RunAttempt: attempt},
	)
	w.with(map[string]string{
		"INPUT_MODE":         "triage",
		"INPUT_MANIFEST":     w.snapshot.String(),
		"GITHUB_RUN_ID":      fmt.Sprint(run.ID),
		"GITHUB_RUN_ATTEMPT": fmt.Sprint(attempt),
	})
	return run.ID
}

func (w *triageWorld) issues() []githubtest.Issue { return w.srv.Issues(orchestrator) }

// triageBase publishes the last good nightly as create-prerelease does:
// the annotated tag recording the manifest, and the release whose body
// has the complete marker and the manifest line.
func triageBase(t testing.TB, w *world, pins map[string]string) {
	t.Helper()
	var m manifest.Manifest
	for _, c := range componentRepos {
		m = append(m, manifest.Entry{Component: c.component, Repository: "BTCDecoded/" + c.repository, SHA: pins[c.component], Rebuilt: true})
	}
	w.srv.AddCommit(orchestrator, pushSHA)
	object := w.srv.SetAnnotatedTag(orchestrator, baseTag, pushSHA, manifest.Message(baseTag, orchestrator, pushSHA, m))
	body := "### What this nightly holds\n\n" + nightly.CompleteMarker(object) + "\n" + nightly.ManifestMarker(m) + "\n"
	w.srv.AddRelease(orchestrator, githubtest.Release{TagName: baseTag, Body: body, Prerelease: true})
}

// paths lists the requests as "METHOD host/path", for messages.
func paths(requests []githubtest.Request) []string {
	var out []string
	for _, r := range requests {
		out = append(out, r.Method+" "+r.Host+r.Path)
	}
	return out
}

func TestTriageOpensOneIssueNamingTheSuspect(t *testing.T) {
	w := newTriageWorld(t)
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, "opened", o.outputs["state"])
	issues := w.issues()
	require.Len(t, issues, 1)
	issue := issues[0]
	assert.Equal(t, fmt.Sprint(issue.Number), o.outputs["issue"])
	assert.Equal(t, fmt.Sprintf("https://github.com/%s/issues/%d", orchestrator, issue.Number), o.outputs["issue-url"])
	assert.Equal(t, []string{triageLabel}, issue.Labels)
	assert.Contains(t, w.srv.Labels(orchestrator), triageLabel, "GitHub makes the label with the issue")
	assert.Equal(t, "open", issue.State)

	body := issue.Body
	assert.Contains(t, body, "[build-node](https://github.com/BTCDecoded/bllvm/actions/runs/")
	assert.Contains(t, body, "failed at <code>Build bllvm-node</code>")
	assert.Contains(t, body, "since [nightly-20251116-6113728]", "the last good nightly")
	ranking := body[strings.Index(body, "#### Ranking"):]
	first, _, _ := strings.Cut(ranking[strings.Index(ranking, "1. "):], "\n2. ")
	assert.Contains(t, first, "[5c5c5c5](https://github.com/BTCDecoded/bllvm-consensus/commit/"+scriptCommit+") Change script verification")
	assert.Contains(t, first, "<code>src/script.rs</code> in build-node: <code>--&gt; /home/runner/work/bllvm/bllvm/sources/bllvm-consensus/src/script.rs:42:9</code>", "the log line is quoted, escaped, without its timestamp")
	assert.Contains(t, body, "| [d0d0d0d](https://github.com/BTCDecoded/bllvm-consensus/commit/"+docsCommit+") | Tidy the docs | bob |")
	assert.Contains(t, body, "```mermaid")
	assert.NotContains(t, body, "@", "nobody is mentioned without mention: authors")

	var suspects []map[string]any
	require.NoError(t, json.Unmarshal([]byte(o.outputs["suspects"]), &suspects))
	assert.Equal(t, []map[string]any{{"component": "consensus", "from": consensusGood, "to": docsCommit, "commits": float64(2), "matched": true}}, suspects)

	// 4 + 2F + S: the open issues, the base's releases, the jobs, the
	// issue; the log and its storage download for F=1; S=2 commits.
	assert.Len(t, o.requests, 4+2*1+2, "%v", paths(o.requests))
	assert.NotContains(t, o.stdout, "mismatched types", "the log never reaches the step's log")
}

func TestTriageRerunOfTheSameAttemptWritesNothing(t *testing.T) {
	w := newTriageWorld(t)
	require.Equal(t, 0, w.run().code)
	again := w.run()
	require.Equal(t, 0, again.code, again.stdout)
	assert.Equal(t, "unchanged", again.outputs["state"])
	assert.Len(t, again.requests, 1, "one listing says the attempt is reported")
	require.Len(t, w.issues(), 1)
	assert.Empty(t, w.issues()[0].Comments)

	// The run's second attempt is a new failure: one comment.
	w.srv.SetJobs(orchestrator, w.runID, githubtest.Job{Name: "build-node", Conclusion: "failure", RunAttempt: 2, Log: failingLogLines})
	w.vars["GITHUB_RUN_ATTEMPT"] = "2"
	second := w.run()
	require.Equal(t, 0, second.code, second.stdout)
	assert.Equal(t, "commented", second.outputs["state"])
	require.Len(t, w.issues(), 1)
	issue := w.issues()[0]
	require.Len(t, issue.Comments, 1)
	assert.Contains(t, issue.Comments[0].Body, "Run "+fmt.Sprint(w.runID)+", attempt 2")
	assert.Equal(t, 2, strings.Count(issue.Body, "| ["+fmt.Sprint(w.runID)+" #"), "the body's table has a row per failing attempt")
	// The base comes from the issue, not from the releases: 4 + 2F + S.
	for _, r := range second.requests {
		assert.NotContains(t, r.Path, "/releases", "the issue names the base")
	}
	assert.Len(t, second.requests, 4+2*1+2, "%v", paths(second.requests))
}

func TestTriageClosesOnSuccess(t *testing.T) {
	w := newTriageWorld(t)
	require.Equal(t, 0, w.run().code)
	w.clock.Advance(26*60*60*1e9 + 5*60*1e9)
	w.vars["INPUT_OUTCOME"] = "success"
	w.vars["INPUT_TAG"] = "nightly-20251118-abcdef0"
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, "closed", o.outputs["state"])
	issue := w.issues()[0]
	assert.Equal(t, "closed", issue.State)
	assert.Equal(t, "completed", issue.StateReason)
	require.Len(t, issue.Comments, 1)
	assert.Equal(t, "[nightly-20251118-abcdef0](https://github.com/BTCDecoded/bllvm/releases/tag/nightly-20251118-abcdef0) was published: the pipeline works again, after being broken for 1 day 2 hours. Closed by release-action's `triage` mode.\n", issue.Comments[0].Body)
	assert.Len(t, o.requests, 3)

	// Nothing open: one request, nothing written.
	again := w.run()
	require.Equal(t, 0, again.code, again.stdout)
	assert.Equal(t, "unchanged", again.outputs["state"])
	assert.Equal(t, "", again.outputs["issue"])
	assert.Len(t, again.requests, 1)
	assert.Contains(t, again.stdout, "done: no tracking issue is open; nothing to do")
}

func TestTriageMentionsAuthorsOnlyWhenAsked(t *testing.T) {
	w := newTriageWorld(t)
	w.vars["INPUT_MENTION"] = "authors"
	require.Equal(t, 0, w.run().code)
	body := w.issues()[0].Body
	assert.Contains(t, body, "Authors of these commits: @bob, @alice")
	assert.Equal(t, 2, strings.Count(body, "@"))
}

// Values from the server that could break the issue, mention people or
// reach the step's log as commands: none does.
func TestTriageHostileValues(t *testing.T) {
	w := newTriageWorld(t)
	hostile := "Fix @everyone <img src=x onerror=alert(1)> | a | b |\n" + strings.Repeat("x", 10_000)
	w.srv.SetCommitInfo(consensus, scriptCommit, githubtest.CommitInfo{Message: hostile, Author: "alice", Files: []string{"src/script.rs"}})
	w.srv.SetJobs(orchestrator, w.runID, githubtest.Job{
		Name: "::set-output name=state::hacked\n::error::boom", Conclusion: "failure",
		Steps: []githubtest.JobStep{{Name: "::add-mask::x", Conclusion: "failure"}},
		Log:   "\x1b[31m@everyone src/script.rs <script>alert(1)</script> `x` | y\x1b[0m\n",
	})
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, "opened", o.outputs["state"], "no output is injected")
	body := w.issues()[0].Body
	for _, bad := range []string{"@", "<img", "<script", "\x1b", "\n::"} {
		assert.NotContains(t, body, bad)
	}
	assert.Less(t, len(body), 20_000)
	for _, text := range []string{"set-output", "add-mask::x", "everyone", "onerror", "alert"} {
		assert.NotContains(t, o.stdout, text, "no server value reaches the step's log")
	}
	for _, line := range strings.Split(body, "\n") {
		if regexp.MustCompile(`^\| \[\d+ #\d+\]`).MatchString(line) {
			// The runs table's row: 4 cells, however the job is named.
			assert.Equal(t, 5, strings.Count(line, " | ")+2, line)
		}
	}
}

func TestTriageWithoutABase(t *testing.T) {
	w := newTriageWorld(t)
	for _, r := range w.srv.Releases(orchestrator) {
		_ = r
	}
	// No complete nightly: a fresh world without planBase.
	fresh := &triageWorld{world: planWorld(t), snapshot: w.snapshot}
	fresh.failingRun(1, failingLogLines)
	o := fresh.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, "[]", o.outputs["suspects"])
	assert.Contains(t, fresh.srv.Issues(orchestrator)[0].Body, "No nightly has been published yet")
}

func TestTriageBadInputsSendNothing(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"an unknown outcome", map[string]string{"INPUT_OUTCOME": "broken"}, "input outcome: must be failure"},
		{"a label with a comma", map[string]string{"INPUT_LABEL": "a,b"}, "input label: must not contain a comma"},
		{"a label too long", map[string]string{"INPUT_LABEL": strings.Repeat("l", 51)}, "input label: is 51 characters"},
		{"a base that is no nightly", map[string]string{"INPUT_BASE": "v1.0"}, "input base: must be a nightly tag of prefix nightly"},
		{"max-suspect-commits out of range", map[string]string{"INPUT_MAX-SUSPECT-COMMITS": "501"}, "input max-suspect-commits: must be from 0 to 500"},
		{"an unknown mention", map[string]string{"INPUT_MENTION": "everyone"}, "input mention: must be none or authors"},
		{"a run id that is no number", map[string]string{"INPUT_RUN-ID": "12ab"}, "input run-id: must be the number of a workflow run"},
		{"a bad manifest", map[string]string{"INPUT_MANIFEST": "{"}, "input manifest"},
		{"no run", map[string]string{"GITHUB_RUN_ID": ""}, "input run-id: is empty and this is no workflow run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTriageWorld(t)
			o := w.with(tt.vars).run()
			assert.Equal(t, 1, o.code)
			assert.Empty(t, o.requests)
			assert.Contains(t, errorLine(t, o.stdout), tt.want)
		})
	}
}

// A base given as an input is read from its release: its body's manifest
// when it has one, else its tag object.
func TestTriageBaseInput(t *testing.T) {
	w := newTriageWorld(t)
	w.vars["INPUT_BASE"] = baseTag
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	var paths []string
	for _, r := range o.requests {
		paths = append(paths, r.Method+" "+r.Path)
	}
	assert.Contains(t, paths, "GET /repos/BTCDecoded/bllvm/releases/tags/"+baseTag)
	_, recorded := nightly.MarkedTagObject(w.srv.Releases(orchestrator)[0].Body)
	assert.True(t, recorded)
	assert.Contains(t, w.issues()[0].Body, "<!-- release-action: base "+baseTag+" ")
}

// A dry run reads what a real run reads and writes nothing: it lists the
// issue it would open.
func TestTriageDryRun(t *testing.T) {
	w := newTriageWorld(t)
	w.vars["INPUT_DRY-RUN"] = "true"
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Empty(t, w.issues())
	assert.Equal(t, "opened", o.outputs["state"])
	assert.Equal(t, "", o.outputs["issue"])
	assert.Contains(t, o.stdout, "POST https://api.github.com/repos/BTCDecoded/bllvm/issues")
	assert.Contains(t, o.stdout, "done: dry run: would have opened a tracking issue")
	assert.Zero(t, countMutating(o.requests))
}
