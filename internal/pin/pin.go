// Package pin resolves, at plan time, the commit of every component of the
// build graph: the commit a repository_dispatch carries for the component
// that changed (after checking that its repository has it), the head of
// its branch for every other one. The result is the nightly's manifest.
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
)

// Commits reads the commit a ref names, as a bare sha: one small request.
type Commits interface {
	GetCommitSHA1(ctx context.Context, owner, repo, ref, lastSHA string) (string, *gh.Response, error)
}

// Request is what to pin.
type Request struct {
	Owner      string // owner of every component's repository
	Own        string // the workflow's repository (owner/name), for error hints
	Components []plan.Component
	// Dispatched is the component pinned at DispatchedSHA instead of its
	// branch head; "" pins every component at its head.
	Dispatched    string
	DispatchedSHA string
	Rebuilt       []string // the components of this run's plan
}

// Source says where a component's commit came from, for the summary.
type Source struct {
	Component string
	Ref       string // the branch read, HEAD for the default branch; "" for the dispatched commit
}

// concurrency bounds the reads in flight: a graph is a handful of
// components, and a large one must not trip GitHub's secondary limits.
const concurrency = 8

// Resolve pins every component with one request each, concurrently, and
// returns the manifest in the graph's order. The first failure in graph
// order is returned, after every read has finished.
func Resolve(ctx context.Context, c Commits, r Request) (manifest.Manifest, []Source, error) {
	m := make(manifest.Manifest, len(r.Components))
	sources := make([]Source, len(r.Components))
	errs := make([]error, len(r.Components))
	slots := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, comp := range r.Components {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			m[i], sources[i], errs[i] = resolveOne(ctx, c, r, comp)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return m, sources, nil
}

func resolveOne(ctx context.Context, c Commits, r Request, comp plan.Component) (manifest.Entry, Source, error) {
	repository := r.Owner + "/" + comp.Repository
	entry := manifest.Entry{Component: comp.Name, Repository: repository, Rebuilt: slices.Contains(r.Rebuilt, comp.Name)}
	access := github.Access{Repository: repository, Own: r.Own, Permission: "contents: read"}
	if comp.Name == r.Dispatched && r.DispatchedSHA != "" {
		sha, _, err := c.GetCommitSHA1(ctx, r.Owner, comp.Repository, r.DispatchedSHA, "")
		switch {
		case noSuchCommit(err):
			return entry, Source{}, fmt.Errorf("pin component %s: commit %s, sent by the repository_dispatch as client_payload.sha, is not in %s: was it force-pushed away, or sent for another repository?", comp.Name, r.DispatchedSHA, repository)
		case err != nil:
			return entry, Source{}, fmt.Errorf("pin component %s: check that %s has commit %s: %w", comp.Name, repository, r.DispatchedSHA, github.Explain(err, access))
		case !strings.EqualFold(strings.TrimSpace(sha), r.DispatchedSHA):
			return entry, Source{}, fmt.Errorf("pin component %s: GitHub answered %.60q for commit %s of %s, not that commit", comp.Name, sha, r.DispatchedSHA, repository)
		}
		entry.SHA = r.DispatchedSHA
		return entry, Source{Component: comp.Name}, nil
	}
	ref, what := comp.Branch, "branch "+comp.Branch
	if ref == "" {
		// commits/HEAD is the default branch's head: no request for the
		// repository's default_branch first.
		ref, what = "HEAD", "default branch"
	}
	sha, _, err := c.GetCommitSHA1(ctx, r.Owner, comp.Repository, ref, "")
	switch {
	case err != nil && noSuchCommit(err) && comp.Branch != "":
		return entry, Source{}, fmt.Errorf("pin component %s: %s has no branch %s (set by the graph's branch key)", comp.Name, repository, comp.Branch)
	case err != nil:
		return entry, Source{}, fmt.Errorf("pin component %s: read the head of the %s of %s: %w", comp.Name, what, repository, github.Explain(err, access))
	}
	sha = strings.ToLower(strings.TrimSpace(sha))
	if !inputs.IsSHA(sha) {
		return entry, Source{}, fmt.Errorf("pin component %s: GitHub answered %.60q for the head of the %s of %s, not a commit id", comp.Name, sha, what, repository)
	}
	entry.SHA = sha
	return entry, Source{Component: comp.Name, Ref: ref}, nil
}

// noSuchCommit is GitHub's answer to commits/{ref} for a sha or name the
// repository does not have: 422 "No commit found for SHA: …".
func noSuchCommit(err error) bool {
	return github.IsStatus(err, http.StatusUnprocessableEntity)
}
