package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/checkout"
	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/plan"
	"github.com/BTCDecoded/release-action/internal/report"
)

// prepareCheckout checks everything checkout can before its first
// request: the snapshot given as a manifest, the components and what they
// depend on, the path.
func prepareCheckout(values inputs.Values, ev event.Context, log *report.Log) (prepared, error) {
	in, err := values.Checkout()
	if err != nil {
		return prepared{}, err
	}
	workspace, err := filepath.Abs(ev.WorkspaceDir())
	if err != nil {
		return prepared{}, fmt.Errorf("find the workspace %s: %w", ev.WorkspaceDir(), err)
	}
	if err := checkout.CheckPath(workspace, in.Path); err != nil {
		return prepared{}, pathInputError(err)
	}
	graph, err := loadGraph(in.Graph, workspace)
	if err != nil {
		return prepared{}, err
	}
	if err := knownComponents(graph, in.Components); err != nil {
		return prepared{}, err
	}
	var given, picked manifest.Manifest
	target := ev.Repository
	var repositories []string
	if in.Manifest != "" {
		if given, err = manifest.Parse("manifest", in.Manifest); err != nil {
			return prepared{}, err
		}
		if picked, err = pick(given, graph, in.Components, "the manifest input"); err != nil {
			return prepared{}, err
		}
		if target == "" {
			// Outside a checkout of the orchestrator: the token is for the
			// snapshot's repositories alone.
			target = given[0].Repository
		}
		owner, name, _ := strings.Cut(target, "/")
		repositories = sameOwnerRepositories(event.Context{Repository: owner + "/" + name}, given)
	} else {
		// The tag is the orchestrator's; its repositories are the graph's.
		if err := ev.Require("repository"); err != nil {
			return prepared{}, err
		}
		repositories = []string{ev.Name()}
		for _, c := range graph.Components() {
			if !slices.Contains(repositories, c.Repository) {
				repositories = append(repositories, c.Repository)
			}
		}
	}
	opts := checkout.Options{
		Workspace: workspace, Path: in.Path,
		Limits: checkout.Limits{MaxBytes: in.MaxBytes, MaxEntries: in.MaxEntries},
		Logf:   log.Infof,
	}
	done := func(res report.Result) string { return checkoutDone(res, in.Path) }
	// A rerun finding every folder at its commit sends nothing, so it
	// needs no token (nor mints one).
	calls := true
	if given != nil {
		calls = !checkout.Current(workspace, in.Path, checkoutRepositories(picked))
	}
	return prepared{calls: calls, target: target, repositories: repositories, permissions: map[string]string{"contents": "read"}, done: done,
		run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
			snapshot, chosen, source := given, picked, "the manifest input"
			if snapshot == nil {
				source = "tag " + in.Tag
				var err error
				if snapshot, err = tagSnapshot(ctx, client, ev.Owner(), ev.Name(), in.Tag); err != nil {
					return report.Result{}, err
				}
				if chosen, err = pick(snapshot, graph, in.Components, source); err != nil {
					return report.Result{}, err
				}
			}
			opts.Repositories = checkoutRepositories(chosen)
			laid, err := checkout.Run(ctx, explainedTarballs{Tarballs: github.Tarballs{Client: client}, own: ev.Repository}, opts)
			var pathErr *checkout.PathError
			if errors.As(err, &pathErr) {
				return report.Result{}, pathInputError(err)
			}
			if err != nil {
				return report.Result{}, err
			}
			return checkoutResult(snapshot, laid, source)
		}}, nil
}

// explainedTarballs says, when an archive cannot be had, what to change:
// a 404 is most often a token that cannot read the repository.
type explainedTarballs struct {
	github.Tarballs
	own string
}

func (t explainedTarballs) Tarball(ctx context.Context, owner, repo, sha string) (io.ReadCloser, error) {
	body, err := t.Tarballs.Tarball(ctx, owner, repo, sha)
	if err != nil {
		return nil, github.Explain(err, github.Access{Repository: owner + "/" + repo, Own: t.own, Permission: "contents: read"})
	}
	return body, nil
}

func checkoutRepositories(m manifest.Manifest) []checkout.Repository {
	var repos []checkout.Repository
	for _, e := range m {
		repos = append(repos, checkout.Repository{Component: e.Component, Repository: e.Repository, SHA: e.SHA})
	}
	return repos
}

// pathInputError makes a path checkout refuses the path input's error.
func pathInputError(err error) error {
	var pathErr *checkout.PathError
	if errors.As(err, &pathErr) {
		return inputs.Errorf("path", "%s %s", pathErr.Path, pathErr.Rule)
	}
	return err
}

// knownComponents refuses a component the graph does not know.
func knownComponents(graph *plan.Graph, names []string) error {
	var unknown []string
	for _, name := range names {
		if _, ok := graph.Component(name); !ok {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if len(unknown) > 0 {
		return inputs.Errorf("components", "names %s, which the graph does not know; its components: %s", strings.Join(unknown, ", "), strings.Join(graph.Names(), ", "))
	}
	return nil
}

// pick is the part of the snapshot to lay out: every entry without
// components; with them, those and everything they depend on in graph, in
// the snapshot's order. A component needed that the snapshot leaves out is
// an error: the build would find its neighbour missing.
func pick(snapshot manifest.Manifest, graph *plan.Graph, components []string, source string) (manifest.Manifest, error) {
	if len(components) == 0 {
		return snapshot, nil
	}
	neededBy := map[string]string{}
	for _, name := range components {
		neededBy[name] = ""
		for _, up := range graph.Upstream(name) {
			if _, ok := neededBy[up]; !ok {
				neededBy[up] = name
			}
		}
	}
	var missing []string
	for _, name := range graph.Names() {
		by, ok := neededBy[name]
		if !ok {
			continue
		}
		if _, found := snapshot.Lookup(name); !found {
			if by != "" {
				name += " (which " + by + " depends on)"
			}
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("lay out the snapshot of %s: it holds no commit of %s: pass a snapshot of the same graph", source, strings.Join(missing, ", "))
	}
	var picked manifest.Manifest
	for _, e := range snapshot {
		if _, ok := neededBy[e.Component]; ok {
			picked = append(picked, e)
		}
	}
	return picked, nil
}

// tagSnapshot reads the manifest the annotated tag records: GET
// git/ref/tags/{tag}, then its tag object.
func tagSnapshot(ctx context.Context, client *gh.Client, owner, repo, tag string) (manifest.Manifest, error) {
	ref, _, err := client.Git.GetRef(ctx, owner, repo, "tags/"+tag)
	var ghErr *gh.ErrorResponse
	if errors.As(err, &ghErr) && ghErr.Response != nil && ghErr.Response.StatusCode == http.StatusNotFound {
		return nil, inputs.Errorf("tag", "%s is not a tag of %s/%s: name a nightly or release of this repository, or pass its manifest", tag, owner, repo)
	}
	if err != nil {
		return nil, fmt.Errorf("read tag %s: %w", tag, github.Explain(err, github.Access{Repository: owner + "/" + repo, Own: owner + "/" + repo, Permission: "contents: read"}))
	}
	if ref == nil || ref.GetObject().GetSHA() == "" {
		return nil, github.Malformed("GET /repos/"+owner+"/"+repo+"/git/ref/tags/"+tag, "the answer has no object.sha, what the tag points at")
	}
	t := nightly.Tag{Name: tag, SHA: ref.GetObject().GetSHA(), Type: ref.GetObject().GetType()}
	s, err := nightly.NewReader(client.Git, client.Repositories, owner, repo).Snapshot(ctx, t)
	switch {
	case err != nil:
		return nil, err
	case s.Unreadable != nil:
		return nil, fmt.Errorf("read tag %s: the manifest it records does not parse (%v): it was not made by nightly-tag, or was changed", tag, s.Unreadable)
	case s.Manifest == nil:
		return nil, inputs.Errorf("tag", "%s records no manifest (a lightweight tag, or one nightly-tag made without manifest): pass the snapshot as manifest instead", tag)
	}
	return s.Manifest, nil
}

// checkoutResult sets paths, manifest and the summary's table.
func checkoutResult(snapshot manifest.Manifest, laid []checkout.Laid, source string) (report.Result, error) {
	var paths bytes.Buffer
	paths.WriteByte('{')
	summary := report.Summary{Title: "Checkout"}
	kept, replaced := 0, 0
	summary.Add("Snapshot", report.Text(source))
	for i, l := range laid {
		if i > 0 {
			paths.WriteByte(',')
		}
		key, _ := json.Marshal(l.Component)
		value, _ := json.Marshal(l.Path)
		paths.Write(key)
		paths.WriteByte(':')
		paths.Write(value)
		what := "laid out"
		switch {
		case l.Kept:
			what = "kept (already there)"
			kept++
		case l.Replaced:
			what = "replaced (was at another commit)"
			replaced++
		}
		summary.Add(l.Component, report.Code(l.Path)+" "+report.Text(l.Repository+" at "+l.Commit[:7]+", "+what))
	}
	paths.WriteByte('}')
	res := report.Result{
		Outputs: []report.Field{{Name: "paths", Value: paths.String()}, {Name: "manifest", Value: snapshot.String()}},
		Summary: summary,
	}
	if kept > 0 || replaced > 0 {
		summary.Add("Already there", report.Text(fmt.Sprintf("%s kept at the snapshot's commit, %s replaced from another commit", count(kept, "folder"), count(replaced, "folder"))))
		res.Summary = summary
	}
	return res, nil
}

func checkoutDone(res report.Result, path string) string {
	var paths map[string]string
	_ = json.Unmarshal([]byte(output(res, "paths")), &paths) // this run's own JSON
	where := "the workspace"
	if path != "." {
		where = path
	}
	return fmt.Sprintf("laid out %s under %s", count(len(paths), "component"), where)
}
