// Package pin resolves, at plan time, the commit of every component of the
// build graph, and keeps a nightly from ever going backwards:
//
//   - the component a repository_dispatch names is pinned at the commit it
//     carries, once a compare shows that commit on the component's branch
//     (a fork's commit or an unmerged pull request's head is refused);
//   - every other component at the head of its branch (pin: head) or at
//     the newest commit whose CI succeeded on a push (pin: green);
//   - a commit behind the base nightly's is replaced by the base's, a
//     commit that diverged from it is kept with a warning.
//
// The result is the nightly's manifest.
package pin

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/plan"
	"github.com/BTCDecoded/release-action/internal/report"
)

// Commits reads the commit a ref names, as a bare sha: one small request.
type Commits interface {
	GetCommitSHA1(ctx context.Context, owner, repo, ref, lastSHA string) (string, *gh.Response, error)
}

// Compare compares two commits of a repository.
type Compare interface {
	CompareCommits(ctx context.Context, owner, repo, base, head string, opts *gh.ListOptions) (*gh.CommitsComparison, *gh.Response, error)
}

// Runs lists a workflow's runs.
type Runs interface {
	ListWorkflowRunsByFileName(ctx context.Context, owner, repo, workflowFileName string, opts *gh.ListWorkflowRunsOptions) (*gh.WorkflowRuns, *gh.Response, error)
}

// Repositories reads a repository, for its default branch.
type Repositories interface {
	Get(ctx context.Context, owner, repo string) (*gh.Repository, *gh.Response, error)
}

// Client is what pinning needs from GitHub; Runs and Repositories only
// with pin: green.
type Client struct {
	Commits      Commits
	Compare      Compare
	Runs         Runs
	Repositories Repositories
}

// Request is what to pin.
type Request struct {
	Owner      string // owner of every component's repository
	Own        string // the workflow's repository (owner/name), for error hints
	Components []plan.Component
	// Dispatched is the component pinned at DispatchedSHA instead of its
	// branch head; "" pins every component at its head. DispatchedSHA is
	// a full commit id, or (from a workflow_dispatch's ref input) a
	// branch, tag or commit of the component's repository, resolved by
	// the same compare that checks it is on the branch.
	Dispatched    string
	DispatchedSHA string
	// DispatchedEvent and DispatchedKey say, for messages, which event
	// sent DispatchedSHA and as which key, such as repository_dispatch and
	// client_payload.source_sha; "" for the design note's
	// client_payload.sha of a repository_dispatch.
	DispatchedEvent, DispatchedKey string
	// Pin is inputs.PinHead or inputs.PinGreen; "" is PinHead.
	Pin string
	// Base is the manifest of the nightly the plan compares with, BaseTag
	// its tag; nil when there is none.
	Base    manifest.Manifest
	BaseTag string
}

// Source says where a component's commit came from, for the summary.
type Source struct {
	Component string
	// How is read by people: "head of main", "dispatched commit", "newest
	// green commit of main (ci.yml)", "kept at the base's commit".
	How string
}

// Result is the pinned snapshot, every entry's Rebuilt false: which
// components are rebuilt is the plan's to say.
type Result struct {
	Manifest manifest.Manifest
	Sources  []Source
	Notices  []string
	Warnings []string
}

// concurrency bounds the reads in flight: a graph is a handful of
// components, and a large one must not trip GitHub's secondary limits.
const concurrency = 8

// Resolve pins every component, concurrently: one request each (two for
// pin: green without a branch key), and one compare with the base for a
// commit that differs from the base's. It returns the manifest in the
// graph's order, or the first failure in graph order once every read has
// finished.
func Resolve(ctx context.Context, c Client, r Request) (Result, error) {
	n := len(r.Components)
	entries := make([]manifest.Entry, n)
	sources := make([]Source, n)
	notes := make([]note, n)
	errs := make([]error, n)
	slots := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, comp := range r.Components {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			entries[i], sources[i], notes[i], errs[i] = resolveOne(ctx, c, r, comp)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Result{}, err
		}
	}
	res := Result{Manifest: manifest.Manifest(entries), Sources: sources}
	for _, n := range notes {
		if n.notice != "" {
			res.Notices = append(res.Notices, n.notice)
		}
		if n.warning != "" {
			res.Warnings = append(res.Warnings, n.warning)
		}
	}
	return res, nil
}

type note struct{ notice, warning string }

// resolveOne is a component's steps: pick its commit, then hold it to
// the base.
func resolveOne(ctx context.Context, c Client, r Request, comp plan.Component) (manifest.Entry, Source, note, error) {
	entry := manifest.Entry{Component: comp.Name, Repository: r.Owner + "/" + comp.Repository}
	var (
		src Source
		err error
	)
	switch {
	case comp.Name == r.Dispatched && r.DispatchedSHA != "":
		entry.SHA, src, err = dispatched(ctx, c, r, comp)
	case r.Pin == inputs.PinGreen:
		entry.SHA, src, err = green(ctx, c, r, comp)
	default:
		entry.SHA, src, err = head(ctx, c, r, comp)
	}
	if err != nil {
		return entry, Source{}, note{}, err
	}
	var n note
	if entry.SHA, n, err = forward(ctx, c, r, comp, entry.SHA, &src); err != nil {
		return entry, Source{}, note{}, err
	}
	return entry, src, n, nil
}

func (r Request) access(comp plan.Component, permission string) github.Access {
	return github.Access{Repository: r.Owner + "/" + comp.Repository, Own: r.Own, Permission: permission}
}

// branchRef is the ref of the component's branch in commits/{ref} and
// compare: the graph's branch, or HEAD for the default branch.
func branchRef(comp plan.Component) (ref, what string) {
	if comp.Branch == "" {
		return "HEAD", "default branch"
	}
	return comp.Branch, "branch " + comp.Branch
}

// dispatched checks that the commit a repository_dispatch carries is on
// the component's branch: the compare of the branch head with it says
// behind or identical. GitHub answers for any commit of the fork network,
// forks' commits and pull requests' heads among them; only merged ones
// are built.
func dispatched(ctx context.Context, c Client, r Request, comp plan.Component) (string, Source, error) {
	repository := r.Owner + "/" + comp.Repository
	ref, what := branchRef(comp)
	event, key := r.DispatchedEvent, r.DispatchedKey
	if event == "" {
		event = "repository_dispatch"
	}
	if key == "" {
		key = "client_payload.sha"
	}
	by := "the " + event + " as " + key
	cmp, _, err := c.Compare.CompareCommits(ctx, r.Owner, comp.Repository, ref, r.DispatchedSHA, &gh.ListOptions{PerPage: 1})
	switch {
	case github.IsStatus(err, http.StatusNotFound) && comp.Branch == "":
		return "", Source{}, fmt.Errorf("pin component %s: commit %s, sent by %s, is not in %s (or the token cannot read it: %s): was it force-pushed away, or sent for another repository?", comp.Name, r.DispatchedSHA, by, repository, github.Explain(err, r.access(comp, "contents: read")))
	case github.IsStatus(err, http.StatusNotFound):
		return "", Source{}, fmt.Errorf("pin component %s: %s has no commit %s (%s) or no branch %s (the graph's branch key): %w", comp.Name, repository, r.DispatchedSHA, key, comp.Branch, github.Explain(err, r.access(comp, "contents: read")))
	case err != nil:
		return "", Source{}, fmt.Errorf("pin component %s: compare commit %s with the %s of %s: %w", comp.Name, r.DispatchedSHA, what, repository, github.Explain(err, r.access(comp, "contents: read")))
	}
	switch status := cmp.GetStatus(); status {
	case "behind", "identical":
		if inputs.IsSHA(r.DispatchedSHA) {
			return r.DispatchedSHA, Source{Component: comp.Name, How: "dispatched commit, on the " + what}, nil
		}
		// A ref: what it names is the merge base of the branch head and
		// it, since the branch holds it.
		sha := strings.ToLower(cmp.GetMergeBaseCommit().GetSHA())
		if !inputs.IsSHA(sha) {
			return "", Source{}, fmt.Errorf("pin component %s: GitHub answered %.60q for the commit %s names in %s, not a commit id", comp.Name, sha, r.DispatchedSHA, repository)
		}
		return sha, Source{Component: comp.Name, How: "dispatched ref " + r.DispatchedSHA + ", on the " + what}, nil
	default:
		return "", Source{}, fmt.Errorf("pin component %s: commit %s, sent by %s, is not on the %s of %s (GitHub compares it as %.20q of the branch head): a fork's commit, an unmerged pull request's head or a commit of another branch is never built; dispatch a commit that the branch holds", comp.Name, r.DispatchedSHA, by, what, repository, status)
	}
}

// head pins the head of the component's branch.
func head(ctx context.Context, c Client, r Request, comp plan.Component) (string, Source, error) {
	repository := r.Owner + "/" + comp.Repository
	ref, what := branchRef(comp)
	sha, _, err := c.Commits.GetCommitSHA1(ctx, r.Owner, comp.Repository, ref, "")
	switch {
	case err != nil && noSuchCommit(err) && comp.Branch != "":
		return "", Source{}, fmt.Errorf("pin component %s: %s has no branch %s (set by the graph's branch key)", comp.Name, repository, comp.Branch)
	case err != nil:
		return "", Source{}, fmt.Errorf("pin component %s: read the head of the %s of %s: %w", comp.Name, what, repository, github.Explain(err, r.access(comp, "contents: read")))
	}
	sha = strings.ToLower(strings.TrimSpace(sha))
	if !inputs.IsSHA(sha) {
		return "", Source{}, fmt.Errorf("pin component %s: GitHub answered %.60q for the head of the %s of %s, not a commit id", comp.Name, sha, what, repository)
	}
	return sha, Source{Component: comp.Name, How: "head of the " + what}, nil
}

// green pins the newest commit of the component's branch whose CI
// workflow succeeded on a push: the head_sha of the newest such run.
func green(ctx context.Context, c Client, r Request, comp plan.Component) (string, Source, error) {
	repository := r.Owner + "/" + comp.Repository
	branch := comp.Branch
	if branch == "" {
		repo, _, err := c.Repositories.Get(ctx, r.Owner, comp.Repository)
		if err != nil {
			return "", Source{}, fmt.Errorf("pin component %s: read the default branch of %s (set the graph's branch key to save this request): %w", comp.Name, repository, github.Explain(err, r.access(comp, "contents: read")))
		}
		if branch = repo.GetDefaultBranch(); inputs.CheckTagName("branch", "refs/heads/"+branch) != nil {
			return "", Source{}, fmt.Errorf("pin component %s: GitHub answered %.60q for the default branch of %s, not a branch name", comp.Name, branch, repository)
		}
	}
	workflow := comp.Workflow()
	runs, _, err := c.Runs.ListWorkflowRunsByFileName(ctx, r.Owner, comp.Repository, workflow, &gh.ListWorkflowRunsOptions{
		Branch: branch, Event: "push", Status: "success", ListOptions: gh.ListOptions{PerPage: 1},
	})
	switch {
	case github.IsStatus(err, http.StatusNotFound):
		return "", Source{}, fmt.Errorf("pin component %s: %s has no workflow %s (the graph's ci key; default %s), or the token cannot read its runs: %w", comp.Name, repository, workflow, plan.DefaultCI, github.Explain(err, r.access(comp, "actions: read")))
	case err != nil:
		return "", Source{}, fmt.Errorf("pin component %s: list the successful push runs of %s on %s of %s: %w", comp.Name, workflow, branch, repository, github.Explain(err, r.access(comp, "actions: read")))
	case len(runs.WorkflowRuns) == 0:
		return "", Source{}, fmt.Errorf("pin component %s: %s has no successful run of %s on a push to %s, so no commit of it is known good; let its CI pass on %s, or plan with pin: head", comp.Name, repository, workflow, branch, branch)
	}
	run := runs.WorkflowRuns[0]
	sha := strings.ToLower(run.GetHeadSHA())
	switch {
	case !inputs.IsSHA(sha):
		return "", Source{}, fmt.Errorf("pin component %s: GitHub answered %.60q as the commit of the newest green run of %s of %s, not a commit id", comp.Name, run.GetHeadSHA(), workflow, repository)
	case run.GetHeadBranch() != branch || run.GetEvent() != "push" || run.GetConclusion() != "success":
		return "", Source{}, fmt.Errorf("pin component %s: GitHub answered a run of %s of %s that is not a successful push to %s; refusing to pin it", comp.Name, workflow, repository, branch)
	}
	return sha, Source{Component: comp.Name, How: fmt.Sprintf("newest commit of %s whose %s passed", branch, workflow)}, nil
}

// forward holds a pinned commit to the base: behind the base's commit it
// becomes the base's (a late or repeated dispatch, a CI that finished out
// of order), with a notice; diverged from it (a force-pushed branch) it
// stays, with a warning naming both. One compare, only when it differs.
func forward(ctx context.Context, c Client, r Request, comp plan.Component, sha string, src *Source) (string, note, error) {
	was, ok := r.Base.Lookup(comp.Name)
	if r.Base == nil || !ok || was.SHA == sha || !strings.EqualFold(was.Repository, r.Owner+"/"+comp.Repository) {
		return sha, note{}, nil
	}
	cmp, _, err := c.Compare.CompareCommits(ctx, r.Owner, comp.Repository, was.SHA, sha, &gh.ListOptions{PerPage: 1})
	if github.IsStatus(err, http.StatusNotFound) {
		// The base's commit is gone from the repository: nothing to go
		// back to.
		return sha, note{warning: fmt.Sprintf("component %s: %s's commit %s is no longer in %s (force-pushed away?); pinned %s", comp.Name, r.BaseTag, short(was.SHA), was.Repository, short(sha))}, nil
	}
	if err != nil {
		return "", note{}, fmt.Errorf("pin component %s: compare %s with %s's commit %s: %w", comp.Name, short(sha), r.BaseTag, short(was.SHA), github.Explain(err, r.access(comp, "contents: read")))
	}
	switch cmp.GetStatus() {
	case "ahead", "identical":
		return sha, note{}, nil
	case "behind":
		src.How = fmt.Sprintf("%s's commit: %s (%s) is %s behind it", r.BaseTag, short(sha), src.How, report.Count(cmp.GetBehindBy(), "commit"))
		return was.SHA, note{notice: fmt.Sprintf("component %s: %s is %s behind %s, which %s holds; pinned %s instead, since a nightly never goes backwards", comp.Name, short(sha), report.Count(cmp.GetBehindBy(), "commit"), short(was.SHA), r.BaseTag, short(was.SHA))}, nil
	default:
		return sha, note{warning: fmt.Sprintf("component %s: %s has diverged from %s, which %s holds (%s ahead, %d behind: a force-pushed branch?); pinned %s as it is", comp.Name, sha, was.SHA, r.BaseTag, report.Count(cmp.GetAheadBy(), "commit"), cmp.GetBehindBy(), short(sha))}, nil
	}
}

func short(sha string) string { return sha[:min(7, len(sha))] }

// noSuchCommit is GitHub's answer to commits/{ref} for a sha or name the
// repository does not have: 422 "No commit found for SHA: …".
func noSuchCommit(err error) bool {
	return github.IsStatus(err, http.StatusUnprocessableEntity)
}

// Differing returns the components of m whose commit (or repository)
// differs from base's, or that base lacks, in m's order.
func Differing(m, base manifest.Manifest) []string {
	var out []string
	for _, e := range m {
		was, ok := base.Lookup(e.Component)
		if !ok || was.SHA != e.SHA || !strings.EqualFold(was.Repository, e.Repository) {
			out = append(out, e.Component)
		}
	}
	return slices.Clip(out)
}
