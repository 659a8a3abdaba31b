package app

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/cascade"
	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/plan"
	"github.com/BTCDecoded/release-action/internal/report"
	"github.com/BTCDecoded/release-action/internal/triage"
)

// The bounds of what triage reads from a failed run.
const (
	// logTail is how much of the end of a failed job's log is read.
	logTail = 256 << 10
	// maxLogsRead bounds the failed jobs whose logs are read.
	maxLogsRead = 20
	// triageConcurrency bounds the reads in flight at once.
	triageConcurrency = 8
)

// The states triage reports.
const (
	stateOpened    = "opened"
	stateCommented = "commented"
	stateClosed    = "closed"
	stateUnchanged = "unchanged"
)

// prepareTriage checks triage's inputs and the run's context before any
// request: the label, the tags, the manifest and the graph.
func prepareTriage(values inputs.Values, ev event.Context, common inputs.Common, env Env, log *report.Log) (prepared, error) {
	in, err := values.Triage()
	if err != nil {
		return prepared{}, err
	}
	if err := ev.Require("repository"); err != nil {
		return prepared{}, err
	}
	t := &triageRun{in: in, ev: ev, now: env.Now, log: log, server: orDefault(ev.ServerURL, "https://github.com"), dryRun: common.DryRun}
	permissions := map[string]string{"issues": "write"}
	repositories := []string{ev.Name()}
	if in.Outcome == inputs.OutcomeFailure {
		if t.runID, t.attempt = in.RunID, 0; t.runID == 0 {
			if ev.RunID < 1 {
				return prepared{}, inputs.Errorf("run-id", "is empty and this is no workflow run (GITHUB_RUN_ID is not set): name the failing run")
			}
			t.runID, t.attempt = ev.RunID, max(ev.RunAttempt, 1)
		}
		if t.graph, err = loadGraph(in.Graph, ev.WorkspaceDir()); err != nil {
			return prepared{}, err
		}
		if in.Manifest != "" {
			if t.snapshot, err = manifest.Parse("manifest", in.Manifest); err != nil {
				return prepared{}, err
			}
			repositories = sameOwnerRepositories(ev, t.snapshot)
		}
		if in.Base != "" {
			if _, ok := nightly.ParseTag(in.Prefix, in.Base); !ok {
				return prepared{}, inputs.Errorf("base", "must be a nightly tag of prefix %s (%s-YYYYMMDD-<short sha>); got %.80q", in.Prefix, in.Prefix, in.Base)
			}
		}
		permissions["actions"] = "read"
		permissions["contents"] = "read"
	}
	done := func(res report.Result) string { return triageDone(res, common.DryRun) }
	return prepared{calls: true, target: ev.Repository, repositories: repositories, permissions: permissions, done: done,
		run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
			t.client = client
			if in.Outcome == inputs.OutcomeSuccess {
				return t.recover(ctx)
			}
			return t.fail(ctx)
		}}, nil
}

// triageRun is one triage: its inputs, and what its steps found.
type triageRun struct {
	in       inputs.Triage
	ev       event.Context
	graph    *plan.Graph
	snapshot manifest.Manifest // nil: no suspects named
	runID    int64
	attempt  int64 // 0 until known
	now      func() time.Time
	log      *report.Log
	server   string
	dryRun   bool
	client   *gh.Client
}

// fail reports a failing run: in the open tracking issue once per run
// attempt, or in a new one.
func (t *triageRun) fail(ctx context.Context) (report.Result, error) {
	open, err := t.findOpen(ctx)
	if err != nil {
		return report.Result{}, err
	}
	if open != nil && t.attempt > 0 && triage.Reported(open.GetBody(), t.runID, t.attempt) {
		return t.unchanged(open, "run %d, attempt %d, is in the tracking issue already", t.runID, t.attempt), nil
	}
	run, err := t.readJobs(ctx)
	if err != nil {
		return report.Result{}, err
	}
	if open != nil && triage.Reported(open.GetBody(), t.runID, t.attempt) {
		return t.unchanged(open, "run %d, attempt %d, is in the tracking issue already", t.runID, t.attempt), nil
	}
	base, err := t.readBase(ctx, open)
	if err != nil {
		return report.Result{}, err
	}
	suspects := t.suspects(base)
	logs := t.readEvidence(ctx, &run, suspects)
	r := triage.Report{
		Server: t.server, Repository: t.ev.Repository, Run: run,
		Suspects: suspects, Ranking: triage.Rank(suspects, logs),
		Mention: t.in.Mention,
	}
	if len(run.Jobs) > maxLogsRead {
		r.Unlisted = len(run.Jobs) - maxLogsRead
		r.Run.Jobs = run.Jobs[:maxLogsRead]
	}
	if base.tag != "" {
		r.Base = &triage.Base{Tag: base.tag}
	}
	if t.snapshot != nil {
		var changed []string
		for _, s := range suspects {
			changed = append(changed, s.Component)
		}
		r.Cascade = cascade.Of(t.graph, t.snapshot, changed)
	}
	return t.write(ctx, open, r, base)
}

// unchanged is the result of a triage that had nothing to write.
func (t *triageRun) unchanged(open *gh.Issue, why string, args ...any) report.Result {
	t.log.Infof("nothing to write: "+why, args...)
	var res report.Result
	if open != nil {
		res.Set("issue", strconv.Itoa(open.GetNumber()))
		res.Set("issue-url", t.issueURL(open.GetNumber()))
	} else {
		res.Set("issue", "")
		res.Set("issue-url", "")
	}
	res.Set("state", stateUnchanged)
	res.Set("suspects", "[]")
	res.Summary = report.Summary{Title: "Nightly triage"}
	res.Summary.Add("State", stateUnchanged)
	return res
}

func (t *triageRun) issueURL(number int) string {
	return t.server + "/" + t.ev.Repository + "/issues/" + strconv.Itoa(number)
}

// findOpen returns the open tracking issue, the oldest when people opened
// more than one with the label; nil when none is open. One request unless
// the label marks more than 100 open issues and pull requests.
func (t *triageRun) findOpen(ctx context.Context) (*gh.Issue, error) {
	owner, repo := t.ev.Owner(), t.ev.Name()
	route := "GET /repos/" + t.ev.Repository + "/issues"
	opts := &gh.IssueListByRepoOptions{State: "open", Labels: []string{t.in.Label}, Sort: "created", Direction: "asc", ListOptions: gh.ListOptions{PerPage: 100}}
	pages := github.Pages{Route: route, Max: 10}
	for {
		listed, resp, err := t.client.Issues.ListByRepo(ctx, owner, repo, opts)
		if err != nil {
			return nil, fmt.Errorf("list the open issues labelled %s in %s: %w", report.Quote(t.in.Label), t.ev.Repository, github.Explain(err, github.Access{Repository: t.ev.Repository, Own: t.ev.Repository, Permission: "issues: read"}))
		}
		for _, issue := range listed {
			// The listing holds pull requests too.
			if issue != nil && issue.PullRequestLinks == nil && issue.GetNumber() > 0 {
				return issue, nil
			}
		}
		next, err := pages.Next(resp)
		if err != nil || next == 0 {
			return nil, err
		}
		opts.Page = next
	}
}

// readJobs reads the failed jobs of the run's attempt (the latest, when
// run-id named another run): one request per 100 jobs.
func (t *triageRun) readJobs(ctx context.Context) (triage.Run, error) {
	owner, repo := t.ev.Owner(), t.ev.Name()
	route := fmt.Sprintf("GET /repos/%s/actions/runs/%d/jobs", t.ev.Repository, t.runID)
	opts := &gh.ListWorkflowJobsOptions{Filter: "latest", ListOptions: gh.ListOptions{PerPage: 100}}
	run := triage.Run{ID: t.runID, Attempt: t.attempt, When: t.now()}
	pages := github.Pages{Route: route, Max: 10}
	for {
		jobs, resp, err := t.client.Actions.ListWorkflowJobs(ctx, owner, repo, t.runID, opts)
		if err == nil && jobs == nil {
			err = github.Malformed(route, "the answer is null, not the run's jobs")
		}
		if err != nil {
			return run, fmt.Errorf("list the jobs of run %d in %s: %w", t.runID, t.ev.Repository, github.Explain(err, github.Access{Repository: t.ev.Repository, Own: t.ev.Repository, Permission: "actions: read"}))
		}
		for _, j := range jobs.Jobs {
			if j == nil {
				continue
			}
			if run.Attempt == 0 && j.GetRunAttempt() > 0 {
				run.Attempt = j.GetRunAttempt()
			}
			if j.GetRunAttempt() != 0 && j.GetRunAttempt() != run.Attempt {
				continue
			}
			if c := j.GetConclusion(); c != "failure" && c != "timed_out" {
				continue
			}
			job := triage.Job{ID: j.GetID(), Name: j.GetName(), Conclusion: j.GetConclusion()}
			for _, s := range j.Steps {
				if s != nil && (s.GetConclusion() == "failure" || s.GetConclusion() == "timed_out") {
					job.FailedSteps = append(job.FailedSteps, s.GetName())
				}
			}
			run.Jobs = append(run.Jobs, job)
		}
		next, err := pages.Next(resp)
		if err != nil {
			return run, err
		}
		if next == 0 {
			break
		}
		opts.Page = next
	}
	if run.Attempt == 0 {
		run.Attempt = 1
	}
	t.attempt = run.Attempt
	t.log.Infof("run %d, attempt %d: %s", t.runID, run.Attempt, report.Count(len(run.Jobs), "failed job"))
	return run, nil
}

// lastGood is the last good nightly: its tag and snapshot, and the marker
// that records them in the issue.
type lastGood struct {
	tag      string
	snapshot manifest.Manifest
}

// readBase finds the last good nightly: the base input, else the one the
// open issue recorded when it opened (the pipeline has been broken
// since), else the newest complete published nightly. No request when
// the issue names it.
func (t *triageRun) readBase(ctx context.Context, open *gh.Issue) (lastGood, error) {
	if open != nil {
		if tag, m, ok := triage.RecordedBase(open.GetBody()); ok && (t.in.Base == "" || t.in.Base == tag) {
			if _, valid := nightly.ParseTag(t.in.Prefix, tag); valid {
				return lastGood{tag, m}, nil
			}
		}
	}
	owner, repo := t.ev.Owner(), t.ev.Name()
	var listed []*gh.RepositoryRelease
	if t.in.Base != "" {
		rel, _, err := t.client.Repositories.GetReleaseByTag(ctx, owner, repo, t.in.Base)
		if err != nil {
			return lastGood{}, fmt.Errorf("read the release of %s, the base: %w", t.in.Base, github.Explain(err, github.Access{Repository: t.ev.Repository, Own: t.ev.Repository, Permission: "contents: read"}))
		}
		listed = []*gh.RepositoryRelease{rel}
	} else {
		var err error
		listed, _, err = t.client.Repositories.ListReleases(ctx, owner, repo, &gh.ListOptions{PerPage: 100})
		if err != nil {
			return lastGood{}, fmt.Errorf("list the releases of %s to find the last good nightly: %w", t.ev.Repository, github.Explain(err, github.Access{Repository: t.ev.Repository, Own: t.ev.Repository, Permission: "contents: read"}))
		}
	}
	for _, rel := range nightly.Completes(listed, t.in.Prefix, nil) {
		if m, ok := nightly.MarkedManifest(rel.GetBody()); ok {
			return lastGood{rel.GetTagName(), m}, nil
		}
		base, ok, note, err := nightly.ReadBase(ctx, t.client.Git, owner, repo, rel)
		if err != nil {
			return lastGood{}, err
		}
		if ok {
			return lastGood{base.Tag, base.Manifest}, nil
		}
		t.log.Infof("%s", note)
	}
	if t.in.Base != "" {
		return lastGood{}, inputs.Errorf("base", "%s is not a complete published nightly: pass one, or leave base empty for the newest", t.in.Base)
	}
	return lastGood{}, nil
}

// suspects are the components whose commit moved since the base, in the
// snapshot's order; none without a snapshot or a base.
func (t *triageRun) suspects(base lastGood) []triage.Suspect {
	if t.snapshot == nil || base.snapshot == nil {
		return nil
	}
	var out []triage.Suspect
	for _, e := range t.snapshot {
		old, ok := base.snapshot.Lookup(e.Component)
		if !ok || old.SHA == e.SHA || !strings.EqualFold(old.Repository, e.Repository) {
			continue
		}
		out = append(out, triage.Suspect{Component: e.Component, Repository: e.Repository, From: old.SHA, To: e.SHA})
	}
	return out
}

// readEvidence reads, all at once, the tail of every failed job's log
// and each suspect's commits with the files they changed; what cannot be
// read is said in the report, never fatal: the issue is worth more than
// any one of its parts.
func (t *triageRun) readEvidence(ctx context.Context, run *triage.Run, suspects []triage.Suspect) []triage.Log {
	slots := make(chan struct{}, triageConcurrency)
	var wg sync.WaitGroup
	do := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			f()
		}()
	}
	logs := make([]triage.Log, min(len(run.Jobs), maxLogsRead))
	for i := range logs {
		job := &run.Jobs[i]
		do(func() {
			text, err := github.JobLogTail(ctx, t.client, t.ev.Owner(), t.ev.Name(), job.ID, logTail)
			if err != nil {
				job.LogError = "the action could not download it (actions: read is needed)"
				t.log.Warningf("read the log of failed job %d: %v", job.ID, github.Explain(err, github.Access{Repository: t.ev.Repository, Own: t.ev.Repository, Permission: "actions: read"}))
				return
			}
			logs[i] = triage.Log{Job: job.Name, Text: text}
		})
	}
	quotas := shares(t.in.MaxSuspectCommits, len(suspects))
	for i := range suspects {
		s := &suspects[i]
		do(func() {
			if err := t.readCommits(ctx, s, quotas[i]); err != nil {
				t.log.Warningf("read the commits of %s: %v", s.Component, err)
			}
		})
	}
	wg.Wait()
	return logs
}

// shares splits total between n as evenly as it goes.
func shares(total, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = total / n
		if i < total%n {
			out[i]++
		}
	}
	return out
}

// readCommits walks a suspect's first-parent history back from its new
// commit to its old one, one request per commit, which gives each
// commit's message, author and changed files: a straight history costs
// exactly its commits. When the walk stops short (quota reached, a merge
// of unrelated history, the old commit never met), one compare counts the
// commits.
func (t *triageRun) readCommits(ctx context.Context, s *triage.Suspect, quota int) error {
	owner, repo, _ := strings.Cut(s.Repository, "/")
	access := github.Access{Repository: s.Repository, Own: t.ev.Repository, Permission: "contents: read"}
	sha := s.To
	for sha != s.From && len(s.Commits) < quota {
		c, _, err := t.client.Repositories.GetCommit(ctx, owner, repo, sha, nil)
		if err == nil && (c == nil || !strings.EqualFold(c.GetSHA(), sha)) {
			err = github.Malformed("GET /repos/"+s.Repository+"/commits/"+sha, "the answer is not that commit")
		}
		if err != nil {
			return fmt.Errorf("read commit %s of %s: %w", sha, s.Repository, github.Explain(err, access))
		}
		commit := triage.Commit{SHA: sha, Message: c.GetCommit().GetMessage(), Author: c.GetAuthor().GetLogin(), FilesRead: true}
		for _, f := range c.Files {
			if f != nil && f.GetFilename() != "" {
				commit.Files = append(commit.Files, f.GetFilename())
			}
		}
		s.Commits = append(s.Commits, commit)
		if len(c.Parents) == 0 {
			break
		}
		parent := strings.ToLower(c.Parents[0].GetSHA())
		if !inputs.IsSHA(parent) {
			return github.Malformed("GET /repos/"+s.Repository+"/commits/"+sha, "its parent is not a commit id")
		}
		sha = parent
	}
	if sha == s.From {
		s.Total = len(s.Commits)
		return nil
	}
	cmp, _, err := t.client.Repositories.CompareCommits(ctx, owner, repo, s.From, s.To, &gh.ListOptions{PerPage: 1})
	if err != nil {
		s.Total = len(s.Commits)
		return fmt.Errorf("count the commits of %s from %s to %s: %w", s.Repository, s.From, s.To, github.Explain(err, access))
	}
	s.Total = max(cmp.GetAheadBy(), len(s.Commits))
	return nil
}

// write opens the tracking issue with this run's report, or comments on
// the open one and adds the run to its table.
func (t *triageRun) write(ctx context.Context, open *gh.Issue, r triage.Report, base lastGood) (report.Result, error) {
	owner, repo := t.ev.Owner(), t.ev.Name()
	access := github.Access{Repository: t.ev.Repository, Own: t.ev.Repository, Permission: "issues: write"}
	var number int
	var state string
	if open == nil {
		marker := ""
		if base.tag != "" {
			marker = triage.BaseMarker(base.tag, base.snapshot)
		}
		issue, _, err := t.client.Issues.Create(ctx, owner, repo, &gh.IssueRequest{
			Title:  gh.String(triage.IssueTitle(r.Run.When)),
			Body:   gh.String(triage.OpeningBody(r, marker)),
			Labels: &[]string{t.in.Label},
		})
		if err != nil {
			return report.Result{}, fmt.Errorf("open the tracking issue in %s: %w", t.ev.Repository, github.Explain(err, access))
		}
		number, state = issue.GetNumber(), stateOpened
	} else {
		number, state = open.GetNumber(), stateCommented
		// The comment first: should the body's update fail, a rerun
		// comments again rather than never.
		if _, _, err := t.client.Issues.CreateComment(ctx, owner, repo, number, &gh.IssueComment{Body: gh.String(r.Markdown(triage.MaxBody))}); err != nil {
			return report.Result{}, fmt.Errorf("comment on tracking issue #%d in %s: %w", number, t.ev.Repository, github.Explain(err, access))
		}
		if _, _, err := t.client.Issues.Edit(ctx, owner, repo, number, &gh.IssueRequest{Body: gh.String(triage.UpdatedBody(open.GetBody(), r))}); err != nil {
			return report.Result{}, fmt.Errorf("add run %d to the table of tracking issue #%d in %s: %w", r.Run.ID, number, t.ev.Repository, github.Explain(err, access))
		}
	}
	return t.failureResult(number, state, r)
}

// suspectJSON is one entry of the suspects output.
type suspectJSON struct {
	Component string `json:"component"`
	From      string `json:"from"`
	To        string `json:"to"`
	Commits   int    `json:"commits"`
	Matched   bool   `json:"matched"`
}

func (t *triageRun) failureResult(number int, state string, r triage.Report) (report.Result, error) {
	matched := map[int]bool{}
	for _, rk := range r.Ranking {
		if rk.Lines > 0 {
			matched[rk.Suspect] = true
		}
	}
	list := make([]suspectJSON, 0, len(r.Suspects))
	for i, s := range r.Suspects {
		list = append(list, suspectJSON{Component: s.Component, From: s.From, To: s.To, Commits: s.Total, Matched: matched[i]})
	}
	slices.SortStableFunc(list, func(a, b suspectJSON) int {
		return cmp.Compare(boolRank(a.Matched), boolRank(b.Matched))
	})
	suspects, err := json.Marshal(list)
	if err != nil {
		return report.Result{}, fmt.Errorf("write the suspects: %w", err)
	}
	var res report.Result
	issue, issueURL := strconv.Itoa(number), t.issueURL(number)
	if number == 0 {
		// A dry run opens nothing: there is no number yet.
		issue, issueURL = "", ""
	}
	res.Set("issue", issue)
	res.Set("issue-url", issueURL)
	res.Set("state", state)
	res.Set("suspects", string(suspects))
	res.Summary = report.Summary{Title: "Nightly triage"}
	res.Summary.Add("Tracking issue", report.Link("#"+orDefault(issue, "(new)"), issueURL)+" ("+state+")")
	res.Summary.Add("Failed jobs", strconv.Itoa(len(r.Run.Jobs)+r.Unlisted))
	for _, s := range list {
		note := report.Count(s.Commits, "commit")
		if s.Matched {
			note += ", named in a failed job's log"
		}
		res.Summary.Add("Suspect "+s.Component, report.Text(note))
	}
	t.log.Infof("%s tracking issue #%d: %s", state, number, report.Count(len(list), "suspect component"))
	return res, nil
}

func boolRank(matched bool) int {
	if matched {
		return 0
	}
	return 1
}

// recover closes the open tracking issue, linking the nightly that was
// published: one request when none is open.
func (t *triageRun) recover(ctx context.Context) (report.Result, error) {
	open, err := t.findOpen(ctx)
	if err != nil {
		return report.Result{}, err
	}
	if open == nil {
		return t.unchanged(nil, "no open issue is labelled %s", report.Quote(t.in.Label)), nil
	}
	owner, repo := t.ev.Owner(), t.ev.Name()
	number := open.GetNumber()
	access := github.Access{Repository: t.ev.Repository, Own: t.ev.Repository, Permission: "issues: write"}
	since := open.GetCreatedAt().Time
	if since.IsZero() || since.After(t.now()) {
		since = t.now()
	}
	body := triage.Closing(t.server, t.ev.Repository, t.in.Tag, since, t.now())
	if _, _, err := t.client.Issues.CreateComment(ctx, owner, repo, number, &gh.IssueComment{Body: gh.String(body)}); err != nil {
		return report.Result{}, fmt.Errorf("comment on tracking issue #%d in %s: %w", number, t.ev.Repository, github.Explain(err, access))
	}
	if _, _, err := t.client.Issues.Edit(ctx, owner, repo, number, &gh.IssueRequest{State: gh.String("closed"), StateReason: gh.String("completed")}); err != nil {
		return report.Result{}, fmt.Errorf("close tracking issue #%d in %s: %w", number, t.ev.Repository, github.Explain(err, access))
	}
	var res report.Result
	res.Set("issue", strconv.Itoa(number))
	res.Set("issue-url", t.issueURL(number))
	res.Set("state", stateClosed)
	res.Set("suspects", "[]")
	res.Summary = report.Summary{Title: "Nightly triage"}
	res.Summary.Add("Tracking issue", report.Link("#"+strconv.Itoa(number), t.issueURL(number))+" (closed)")
	res.Summary.Add("Broken for", report.Text(triage.Duration(t.now().Sub(since))))
	return res, nil
}

func triageDone(res report.Result, dryRun bool) string {
	state, issue, url := output(res, "state"), output(res, "issue"), output(res, "issue-url")
	prefix := ""
	if dryRun {
		prefix = "dry run: would have "
	}
	switch state {
	case stateUnchanged:
		if issue == "" {
			return "no tracking issue is open; nothing to do"
		}
		return "tracking issue #" + issue + " already holds this run: " + url
	case stateOpened, stateCommented, stateClosed:
		if issue == "" {
			return prefix + state + " a tracking issue"
		}
		return prefix + state + " tracking issue #" + issue + ": " + url
	}
	return state
}
