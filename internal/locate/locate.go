// Package locate answers "which nightly first holds this commit?". It
// finds the commit on its component's branch with one compare, lists the
// complete, published nightlies of the orchestrator, and binary-searches
// them, oldest to newest, with one compare each: a nightly never moves a
// component backwards, so once a nightly holds a commit every later one
// does.
//
// Everything GitHub answers is checked before it is used: commit ids are
// 40 hex, tags are nightly names (nightly.Completes), manifests are
// parsed (manifest.Parse), and a release's web address is taken only on
// the server's own host.
package locate

import (
	"context"
	"fmt"
	"math/bits"
	"net/http"
	"slices"
	"strings"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/plan"
	"github.com/BTCDecoded/release-action/internal/report"
)

// Compare compares two commits of a repository.
type Compare interface {
	CompareCommits(ctx context.Context, owner, repo, base, head string, opts *gh.ListOptions) (*gh.CommitsComparison, *gh.Response, error)
}

// Repositories reads a repository, for the name of its default branch
// when a commit is not on it: only then.
type Repositories interface {
	Get(ctx context.Context, owner, repo string) (*gh.Repository, *gh.Response, error)
}

// Client is what locate needs from GitHub: compares and the releases
// listing in the usual case; a tag object for a nightly published before
// the manifest marker, and for checking the answer.
type Client struct {
	Compare      Compare
	Releases     nightly.ReleaseLister
	Tags         nightly.TagObjects
	Repositories Repositories
}

// Request is what to look for, and where.
type Request struct {
	Owner, Repo string // the orchestrator, whose releases are the nightlies
	Prefix      string // of the nightlies
	// Component is the graph's component; its repository is of Owner.
	Component plan.Component
	// SHA is the commit to look for (40 lower-case hex), or "" for Ref:
	// a branch, tag or commit id the component's repository resolves.
	SHA, Ref string
	Logf     func(format string, args ...any) // nil: nothing is logged
}

// Result is the answer.
type Result struct {
	Repository string // the component's, owner/name
	Branch     string // the branch the commit is on: the graph's, else the default branch, as "HEAD"
	Commit     string // the commit looked for, 40 lower-case hex
	Found      bool
	Tag        string                // the oldest nightly holding it
	Release    *gh.RepositoryRelease // its release
	Newer      int                   // newer nightlies, all holding it too
	Nightlies  int                   // complete, published nightlies searched
	Newest     string                // the newest of them; "" when there is none
	Verified   bool                  // the answer's tag object agrees with its release body
	Requests   int                   // sent to GitHub
	Warnings   []string
}

// Budget is the most requests a search over n nightlies sends when every
// nightly carries the manifest marker and the releases fit one page
// (each page more is one request more): the compare that finds the
// commit, the releases, at most ⌈log2 n⌉ + 1 probes, and the tag object
// that checks the answer, sent only while within it.
func Budget(n int) int {
	return 3 + ceilLog2(n) + 1
}

// ceilLog2 is ⌈log2 n⌉, 0 for n ≤ 1.
func ceilLog2(n int) int {
	if n <= 1 {
		return 0
	}
	return bits.Len(uint(n - 1))
}

// Locate finds the oldest complete, published nightly that holds the
// commit or a descendant of it. A commit no nightly holds yet is not an
// error (Found is false); a commit that is not on the component's branch
// is.
func Locate(ctx context.Context, c Client, r Request) (Result, error) {
	s := &search{c: c, r: r, repository: r.Owner + "/" + r.Component.Repository, held: map[string]bool{}}
	if s.r.Logf == nil {
		s.r.Logf = func(string, ...any) {}
	}
	s.res.Repository, s.res.Branch = s.repository, branchRef(r.Component)
	if err := s.resolve(ctx); err != nil {
		return s.res, err
	}
	if err := s.list(ctx); err != nil {
		return s.res, err
	}
	n := len(s.nightlies)
	if n == 0 {
		s.r.Logf("no complete, published nightly of %s in %s/%s yet", r.Prefix, r.Owner, r.Repo)
		return s.res, nil
	}
	s.res.Newest = s.nightlies[n-1].tag
	// The newest first: when it does not hold the commit, none does.
	holds, err := s.holds(ctx, n-1)
	if err != nil || !holds {
		return s.res, err
	}
	lo, hi := 0, n-1 // hi holds it; the first that does is in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		holds, err := s.holds(ctx, mid)
		if err != nil {
			return s.res, err
		}
		if holds {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	first := s.nightlies[hi]
	s.res.Found, s.res.Tag, s.res.Release, s.res.Newer = true, first.tag, first.release, n-1-hi
	// Each page of releases past the first is one request more.
	if err := s.verify(ctx, hi, Budget(n)+s.pages-1); err != nil {
		return s.res, err
	}
	return s.res, nil
}

// search is one Locate's state: the nightlies, what each holds once read,
// and the answer so far.
type search struct {
	c          Client
	r          Request
	repository string
	nightlies  []candidate // oldest first
	pages      int         // of releases read
	// held caches, by the component's commit in a nightly, whether that
	// commit holds the one looked for: nightlies that did not move the
	// component share one compare.
	held map[string]bool
	res  Result
}

// candidate is a complete, published nightly and, once read, its
// manifest.
type candidate struct {
	tag        string
	release    *gh.RepositoryRelease
	manifest   manifest.Manifest
	read       bool // manifest is known, or known to be unreadable
	fromMarker bool // manifest came from the release body, not the tag object
}

func (s *search) access(repository string) github.Access {
	return github.Access{Repository: repository, Own: s.r.Owner + "/" + s.r.Repo, Permission: "contents: read"}
}

// branchRef is the component's branch as compare takes it: the graph's
// branch, or HEAD for the default branch.
func branchRef(comp plan.Component) string {
	if comp.Branch == "" {
		return "HEAD"
	}
	return comp.Branch
}

// resolve finds the commit on the component's branch: one compare of the
// branch with it, which must say behind (or identical), and whose merge
// base is then the commit, by its full id whatever named it.
func (s *search) resolve(ctx context.Context) error {
	comp := s.r.Component
	asked := s.r.SHA
	if asked == "" {
		asked = s.r.Ref
	}
	cmp, _, err := s.c.Compare.CompareCommits(ctx, s.r.Owner, comp.Repository, s.res.Branch, asked, &gh.ListOptions{PerPage: 1})
	s.res.Requests++
	route := "GET /repos/" + s.repository + "/compare/" + s.res.Branch + "..." + asked
	switch {
	case github.IsStatus(err, http.StatusNotFound) && comp.Branch != "":
		return fmt.Errorf("locate component %s: %s has no %s or no branch %s (the graph's branch key): %w", comp.Name, s.repository, s.what(), comp.Branch, github.Explain(err, s.access(s.repository)))
	case github.IsStatus(err, http.StatusNotFound):
		return fmt.Errorf("locate component %s: %s has no %s: %w", comp.Name, s.repository, s.what(), github.Explain(err, s.access(s.repository)))
	case err != nil:
		return fmt.Errorf("locate component %s: compare %s with the %s of %s: %w", comp.Name, asked, s.branchName(), s.repository, github.Explain(err, s.access(s.repository)))
	case cmp == nil:
		return github.Malformed(route, "the answer is null, not a comparison")
	}
	switch status := cmp.GetStatus(); status {
	case "behind", "identical":
	case "ahead", "diverged":
		branch := s.branchName()
		if comp.Branch == "" {
			branch = s.defaultBranch(ctx)
		}
		return fmt.Errorf("locate component %s: %s is not on %s of %s (GitHub compares it with the branch's head as %s): no nightly holds a commit of another branch, a fork's or an unmerged pull request's; give a commit of %s", comp.Name, s.asked(), branch, s.repository, report.Quote(status), branch)
	default:
		return github.Malformed(route, fmt.Sprintf("the status is %s, none of identical, ahead, behind or diverged", report.Quote(status)))
	}
	commit := strings.ToLower(cmp.GetMergeBaseCommit().GetSHA())
	switch {
	case !inputs.IsSHA(commit):
		return github.Malformed(route, "merge_base_commit.sha is not a commit id")
	case s.r.SHA != "" && commit != s.r.SHA:
		return github.Malformed(route, fmt.Sprintf("the commit compares as behind the branch, but the merge base is %s, not the commit", commit))
	}
	s.res.Commit = commit
	if s.r.Ref != "" {
		s.r.Logf("%s: %s is commit %s, on the %s", s.repository, report.Value(s.r.Ref), commit, s.branchName())
	} else {
		s.r.Logf("%s: commit %s is on the %s", s.repository, commit, s.branchName())
	}
	return nil
}

// what names what was asked for, as a thing the repository may lack.
func (s *search) what() string {
	if s.r.SHA != "" {
		return "commit " + s.r.SHA
	}
	return "branch, tag or commit " + report.Value(s.r.Ref)
}

// asked names what was asked for, as the subject of a sentence.
func (s *search) asked() string {
	if s.r.SHA != "" {
		return "commit " + s.r.SHA
	}
	return report.Value(s.r.Ref)
}

func (s *search) branchName() string {
	if s.r.Component.Branch == "" {
		return "default branch"
	}
	return "branch " + s.r.Component.Branch
}

// defaultBranch names the repository's default branch for an error, with
// one request; when GitHub does not say, "its default branch".
func (s *search) defaultBranch(ctx context.Context) string {
	if s.c.Repositories == nil {
		return "its default branch"
	}
	repo, _, err := s.c.Repositories.Get(ctx, s.r.Owner, s.r.Component.Repository)
	s.res.Requests++
	name := repo.GetDefaultBranch()
	if err != nil || inputs.CheckTagName("branch", "refs/heads/"+name) != nil {
		return "its default branch"
	}
	return "branch " + name
}

// maxPages bounds the releases read: 10,000 nightlies, 27 years of one a
// day.
const maxPages = 100

// list reads every release of the orchestrator, 100 a page, and keeps
// the complete, published nightlies of the prefix, oldest first.
func (s *search) list(ctx context.Context) error {
	opts := &gh.ListOptions{PerPage: 100}
	route := "GET /repos/" + s.r.Owner + "/" + s.r.Repo + "/releases"
	pages := github.Pages{Route: route, Max: maxPages}
	orchestrator := s.r.Owner + "/" + s.r.Repo
	var listed []*gh.RepositoryRelease
	for {
		page, resp, err := s.c.Releases.ListReleases(ctx, s.r.Owner, s.r.Repo, opts)
		s.res.Requests++
		s.pages++
		if err == nil && page == nil && resp != nil && resp.Response != nil {
			err = github.Malformed(route, "the answer is null, not the list of releases")
		}
		if err != nil {
			return fmt.Errorf("list the releases of %s to find its nightlies: %w", orchestrator, github.Explain(err, s.access(orchestrator)))
		}
		listed = append(listed, page...)
		next, err := pages.Next(resp)
		if err != nil {
			return fmt.Errorf("list the releases of %s to find its nightlies: %w", orchestrator, err)
		}
		if next == 0 {
			break
		}
		opts.Page = next
	}
	seen := map[string]bool{}
	for _, rel := range slices.Backward(nightly.Completes(listed, s.r.Prefix, nil)) {
		if tag := rel.GetTagName(); !seen[tag] {
			seen[tag] = true
			s.nightlies = append(s.nightlies, candidate{tag: tag, release: rel})
		}
	}
	s.res.Nightlies = len(s.nightlies)
	s.r.Logf("%s of %s in %s, complete and published", report.Count(len(s.nightlies), "nightly", "nightlies"), s.r.Prefix, orchestrator)
	return nil
}

// manifest is what nightly i holds: from its release body's manifest
// marker, else (a nightly published before the marker) from its tag
// object, one request. nil, with a warning, when neither can be read.
func (s *search) manifest(ctx context.Context, i int) (manifest.Manifest, error) {
	n := &s.nightlies[i]
	if n.read {
		return n.manifest, nil
	}
	n.read = true
	if m, ok := nightly.MarkedManifest(n.release.GetBody()); ok {
		n.manifest, n.fromMarker = m, true
		return m, nil
	}
	base, ok, note, err := nightly.ReadBase(ctx, s.c.Tags, s.r.Owner, s.r.Repo, n.release)
	s.res.Requests++
	if err != nil {
		return nil, fmt.Errorf("read what %s holds: %w", n.tag, err)
	}
	if !ok {
		s.res.Warnings = append(s.res.Warnings, note+": what it holds is unknown, so it is taken not to hold the commit")
		return nil, nil
	}
	n.manifest = base.Manifest
	return n.manifest, nil
}

// holds tells whether nightly i holds the commit: its commit of the
// component is the commit or a descendant of it. One compare of the two,
// unless that commit is the one looked for or was compared already.
func (s *search) holds(ctx context.Context, i int) (bool, error) {
	tag := s.nightlies[i].tag
	m, err := s.manifest(ctx, i)
	if err != nil || m == nil {
		return false, err
	}
	comp := s.r.Component
	entry, ok := m.Lookup(comp.Name)
	switch {
	case !ok:
		s.r.Logf("%s: no %s: does not hold it", tag, comp.Name)
		return false, nil
	case !strings.EqualFold(entry.Repository, s.repository):
		s.r.Logf("%s: %s from %s, not %s: does not hold it", tag, comp.Name, entry.Repository, s.repository)
		return false, nil
	case entry.SHA == s.res.Commit:
		s.r.Logf("%s: %s at %s, the commit itself: holds it", tag, comp.Name, short(entry.SHA))
		return true, nil
	}
	if held, ok := s.held[entry.SHA]; ok {
		s.r.Logf("%s: %s at %s, as a nightly already compared: %s", tag, comp.Name, short(entry.SHA), holding(held))
		return held, nil
	}
	cmp, _, err := s.c.Compare.CompareCommits(ctx, s.r.Owner, comp.Repository, s.res.Commit, entry.SHA, &gh.ListOptions{PerPage: 1})
	s.res.Requests++
	route := "GET /repos/" + s.repository + "/compare/" + s.res.Commit + "..." + entry.SHA
	switch {
	case github.IsStatus(err, http.StatusNotFound):
		s.res.Warnings = append(s.res.Warnings, fmt.Sprintf("%s holds %s at %s, which %s no longer has (force-pushed away?): it is taken not to hold the commit", tag, comp.Name, entry.SHA, s.repository))
		s.held[entry.SHA] = false
		return false, nil
	case err != nil:
		return false, fmt.Errorf("compare %s with %s's commit %s of %s: %w", short(s.res.Commit), tag, short(entry.SHA), s.repository, github.Explain(err, s.access(s.repository)))
	case cmp == nil:
		return false, github.Malformed(route, "the answer is null, not a comparison")
	}
	var held bool
	var how string
	switch status := cmp.GetStatus(); status {
	case "identical":
		held, how = true, "the commit itself"
	case "ahead":
		held, how = true, "a descendant of "+short(s.res.Commit)
	case "behind":
		how = "an ancestor of " + short(s.res.Commit)
	case "diverged":
		how = "diverged from " + short(s.res.Commit)
	default:
		return false, github.Malformed(route, fmt.Sprintf("the status is %s, none of identical, ahead, behind or diverged", report.Quote(status)))
	}
	s.held[entry.SHA] = held
	s.r.Logf("%s: %s at %s, %s: %s", tag, comp.Name, short(entry.SHA), how, holding(held))
	return held, nil
}

func holding(held bool) string {
	if held {
		return "holds it"
	}
	return "does not hold it"
}

// verify checks the answer against its tag object, when its manifest came
// from the release body and one request more stays within budget: the
// tag object must record the same commit of the component. A nightly
// whose two records disagree is an error naming it.
func (s *search) verify(ctx context.Context, i, budget int) error {
	n := s.nightlies[i]
	if !n.fromMarker || s.res.Requests >= budget {
		s.res.Verified = !n.fromMarker // read from the tag object itself
		return nil
	}
	base, ok, note, err := nightly.ReadBase(ctx, s.c.Tags, s.r.Owner, s.r.Repo, n.release)
	s.res.Requests++
	if err != nil {
		return fmt.Errorf("check %s against its tag: %w", n.tag, err)
	}
	if !ok {
		return fmt.Errorf("check %s against its tag: %s, but its release body records a manifest: the two disagree; the release was edited, or its tag was made again", n.tag, note)
	}
	marked, _ := n.manifest.Lookup(s.r.Component.Name)
	tagged, found := base.Manifest.Lookup(s.r.Component.Name)
	if !found || tagged.SHA != marked.SHA || !strings.EqualFold(tagged.Repository, marked.Repository) {
		return fmt.Errorf("check %s against its tag: its release body records %s of %s at %s, its tag %s: the two disagree; the release was edited, or its tag was made again", n.tag, s.r.Component.Name, marked.Repository, marked.SHA, describe(tagged, found))
	}
	s.res.Verified = true
	return nil
}

func describe(e manifest.Entry, found bool) string {
	if !found {
		return "none"
	}
	return fmt.Sprintf("%s of %s", e.SHA, e.Repository)
}

func short(sha string) string { return sha[:min(7, len(sha))] }

// URL is the web page of the answer's release (nightly.ReleaseURL); ""
// when nothing was found.
func (r Result) URL(serverURL, orchestrator string) string {
	if !r.Found {
		return ""
	}
	return nightly.ReleaseURL(r.Release, serverURL, orchestrator, r.Tag)
}
