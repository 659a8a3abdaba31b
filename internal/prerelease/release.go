// Package prerelease is the create-prerelease mode: it publishes the
// prerelease for a tag with its assets, safely under reruns and races, or
// dispatches a workflow that does.
package prerelease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/plan"
	"github.com/BTCDecoded/release-action/internal/report"
	"github.com/BTCDecoded/release-action/internal/runs"
)

// Releases is the part of the GitHub client that reads and writes releases.
type Releases interface {
	ListReleases(ctx context.Context, owner, repo string, opts *gh.ListOptions) ([]*gh.RepositoryRelease, *gh.Response, error)
	GetReleaseByTag(ctx context.Context, owner, repo, tag string) (*gh.RepositoryRelease, *gh.Response, error)
	CreateRelease(ctx context.Context, owner, repo string, release *gh.RepositoryRelease) (*gh.RepositoryRelease, *gh.Response, error)
	EditRelease(ctx context.Context, owner, repo string, id int64, release *gh.RepositoryRelease) (*gh.RepositoryRelease, *gh.Response, error)
	DeleteRelease(ctx context.Context, owner, repo string, id int64) (*gh.Response, error)
	GenerateReleaseNotes(ctx context.Context, owner, repo string, opts *gh.GenerateNotesOptions) (*gh.RepositoryReleaseNotes, *gh.Response, error)
}

// Refs reads, creates and deletes tags.
type Refs interface {
	nightly.Git
	DeleteRef(ctx context.Context, owner, repo, ref string) (*gh.Response, error)
}

// Client is what create-prerelease needs from GitHub.
type Client struct {
	Releases Releases
	Refs     Refs
	Commits  nightly.Commits
	Tags     nightly.TagObjects // reads the annotated nightly tags' manifests
	Compare  Compare
	Assets   AssetStore
	// Dispatch sends a workflow_dispatch; see github.DispatchWorkflow.
	Dispatch func(ctx context.Context, workflow, ref string, inputs map[string]string) (github.RunDetails, error)
	GetRun   runs.Getter
}

// Options is a validated create-prerelease run.
type Options struct {
	Owner, Repo   string
	Own           string // the workflow's repository, for error hints
	Tag           string
	Prefix        string // nightly prefix, to find the previous nightly and to prune
	Target        string // commit or branch for a tag that does not exist yet
	Name          string
	Body          string // body and body-file, joined
	GenerateNotes bool
	PreviousTag   string
	Files         []File
	Concurrency   int
	Keep          int

	// Manifest is the snapshot the nightly holds; nil reads it from the
	// annotated tag, when it records one.
	Manifest manifest.Manifest
	// Graph is the build graph, to tell what a component depends on when
	// carrying its assets over; nil checks the component's own commit only.
	Graph     *plan.Graph
	CarryOver bool
	// Checksums names the asset listing every asset's SHA-256; "" for none.
	Checksums string
	// Workspace is where the action's own files are written (under Dir).
	Workspace string

	Workflow       string
	WorkflowRef    string
	WorkflowInputs map[string]string
	TagInput       string
	Wait           bool
	WaitTimeout    time.Duration

	ServerURL string
	DryRun    bool
	Now       func() time.Time
	Sleep     func(context.Context, time.Duration) error
	Logf      func(string, ...any)
}

func (o Options) access(permission string) github.Access {
	return github.Access{Repository: o.Owner + "/" + o.Repo, Own: o.Own, Permission: permission}
}

// Run publishes the prerelease, or dispatches the workflow that does.
func Run(ctx context.Context, c Client, o Options) (report.Result, error) {
	if o.Workflow != "" {
		return runWorkflow(ctx, c, o)
	}
	res, err := publish(ctx, c, o)
	if err != nil {
		return report.Result{}, github.Explain(err, o.access("contents: write"))
	}
	return res, nil
}

// publish runs the order that is safe with immutable releases and with
// reruns: find the release (published, or a draft an earlier run left),
// else create it as a draft; make its assets match the files; publish it;
// then prune. A failure at any step leaves a state the next run completes.
func publish(ctx context.Context, c Client, o Options) (report.Result, error) {
	page, rel, err := findRelease(ctx, c.Releases, o)
	if err != nil {
		return report.Result{}, err
	}
	h := newHistory(c, o)
	// Everything read and checked before the first write.
	snap, err := h.snapshot(ctx)
	if err != nil {
		return report.Result{}, err
	}
	files := slices.Clone(o.Files)
	var notes []string
	var carried []File
	var previous nightly.Tag
	var before manifest.Manifest
	if snap.manifest != nil {
		if i := slices.IndexFunc(files, func(f File) bool { return f.Name == ManifestAsset }); i >= 0 {
			return report.Result{}, inputs.Errorf("assets", "%s would be named %s, the asset that describes the snapshot; rename it", files[i].Path, ManifestAsset)
		}
		document, err := writeManifest(o, snap)
		if err != nil {
			return report.Result{}, err
		}
		files = append(files, document)
		if rel == nil || o.CarryOver {
			var havePrevious bool
			if previous, havePrevious, err = h.previous(ctx); err != nil {
				return report.Result{}, err
			}
			if havePrevious && previous.SHA != "" {
				s, err := h.reader.Snapshot(ctx, previous)
				if err != nil {
					return report.Result{}, err
				}
				before = s.Manifest
			}
		}
		if o.CarryOver {
			if carried, notes, err = carryOver(ctx, c, o, snap, previous.Name, before, page, files); err != nil {
				return report.Result{}, err
			}
			if i := slices.IndexFunc(carried, func(f File) bool { return f.Name == o.Checksums }); i >= 0 {
				return report.Result{}, inputs.Errorf("checksums", "names %s, an asset carried over from %s: choose another name", o.Checksums, previous.Name)
			}
		}
	}
	notes = append(notes, h.reader.Notes...)

	created := false
	if rel == nil {
		table := ""
		if snap.manifest != nil {
			if table, err = snapshotTable(ctx, c, o, snap, previous.Name, before); err != nil {
				return report.Result{}, err
			}
		}
		if rel, created, err = createDraft(ctx, c, o, h, table); err != nil {
			return report.Result{}, err
		}
	}
	all := append(files, carried...)
	var existing []github.Asset
	// A release this run just made has no assets; any other may.
	if !created && (len(all) > 0 || o.Checksums != "") {
		if existing, err = assetsOf(ctx, c, rel.GetID()); err != nil {
			return report.Result{}, fmt.Errorf("list assets of release %s: %w", o.Tag, err)
		}
	}
	if created {
		o.Logf("release %s: created as a draft", o.Tag)
	} else {
		o.Logf("release %s: found (%s)", o.Tag, state(rel))
	}

	synced, err := SyncAssets(ctx, c.Assets, rel.GetID(), existing, all, o.Concurrency, o.Logf)
	if err != nil {
		return report.Result{}, fmt.Errorf("attach assets to release %s (%s; rerun to finish, nothing is published yet): %w", o.Tag, state(rel), err)
	}
	checksumsFile := ""
	if o.Checksums != "" {
		names := make([]string, len(all))
		for i, f := range all {
			names[i] = f.Name
		}
		path, err := writeWorkspaceFile(o.Workspace, o.Checksums, []byte(checksumsText(names, synced.Digests)))
		if err != nil {
			return report.Result{}, err
		}
		info, err := os.Stat(path)
		if err != nil {
			return report.Result{}, fmt.Errorf("write %s: %w", o.Checksums, err)
		}
		sums, err := SyncAssets(ctx, c.Assets, rel.GetID(), existing, []File{{Path: path, Name: o.Checksums, Size: info.Size()}}, 1, o.Logf)
		if err != nil {
			return report.Result{}, fmt.Errorf("attach %s to release %s (%s; rerun to finish, nothing is published yet): %w", o.Checksums, o.Tag, state(rel), err)
		}
		synced = mergeSync(synced, sums)
		checksumsFile = filepath.ToSlash(filepath.Join(Dir, o.Checksums))
	}

	if rel.GetDraft() {
		edit := &gh.RepositoryRelease{Draft: gh.Bool(false), Prerelease: gh.Bool(true), MakeLatest: gh.String("false")}
		published, _, err := c.Releases.EditRelease(ctx, o.Owner, o.Repo, rel.GetID(), edit)
		if err != nil {
			return report.Result{}, fmt.Errorf("publish release %s (its assets are attached; rerun to publish): %w", o.Tag, err)
		}
		if !o.DryRun {
			rel = published
		}
	}

	var pruned []string
	if o.Keep > 0 {
		if pruned, err = prune(ctx, c, o, page, rel.GetID()); err != nil {
			return report.Result{}, err
		}
	}
	if o.Checksums != "" {
		all = append(all, File{Name: o.Checksums})
	}
	res := publishResult(o, rel, created, synced, pruned, all)
	carriedNames := []string{}
	for _, f := range carried {
		carriedNames = append(carriedNames, f.Name)
	}
	res.Set("carried", mustJSON(carriedNames))
	if checksumsFile != "" {
		res.Set("checksums-file", checksumsFile)
	}
	if snap.manifest != nil {
		res.Set("manifest", snap.manifest.String())
		res.Summary.Add("Snapshot", report.Text(fmt.Sprintf("%d components, %s", len(snap.manifest), ManifestAsset)))
		if len(carried) > 0 {
			res.Summary.Add("Carried over", report.Text(strings.Join(carriedNames, ", ")+" from "+previous.Name))
		}
	}
	res.Notices = append(res.Notices, notes...)
	return res, nil
}

// mergeSync adds what a later SyncAssets did to an earlier result.
func mergeSync(a, b SyncResult) SyncResult {
	a.Assets = append(a.Assets, b.Assets...)
	a.Uploaded = append(a.Uploaded, b.Uploaded...)
	a.Skipped = append(a.Skipped, b.Skipped...)
	a.Replaced = append(a.Replaced, b.Replaced...)
	a.Digests = append(a.Digests, b.Digests...)
	return a
}

func state(rel *gh.RepositoryRelease) string {
	if rel.GetDraft() {
		return "draft"
	}
	return "published"
}

// findRelease looks for the release of o.Tag. GET /releases/tags/{tag}
// does not return drafts, so the newest releases are listed first (one
// request finds a draft or a published release); only when there are more
// pages is the tag asked for directly. It returns the first page, which
// pruning reuses.
func findRelease(ctx context.Context, releases Releases, o Options) (firstPage []*gh.RepositoryRelease, rel *gh.RepositoryRelease, err error) {
	page, resp, err := releases.ListReleases(ctx, o.Owner, o.Repo, &gh.ListOptions{PerPage: 100})
	if err != nil {
		return nil, nil, fmt.Errorf("list releases of %s/%s: %w", o.Owner, o.Repo, err)
	}
	for _, r := range page {
		if r.GetTagName() == o.Tag {
			return page, r, nil
		}
	}
	if resp == nil || resp.NextPage == 0 {
		return page, nil, nil
	}
	rel, _, err = releases.GetReleaseByTag(ctx, o.Owner, o.Repo, o.Tag)
	if isStatus(err, http.StatusNotFound) {
		return page, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find release %s: %w", o.Tag, err)
	}
	return page, rel, nil
}

// createDraft creates the release as a draft prerelease, never the latest.
// When another run created it meanwhile (422 already_exists), its release
// is adopted (created false), so racing runs end with one release.
func createDraft(ctx context.Context, c Client, o Options, h *history, table string) (rel *gh.RepositoryRelease, created bool, err error) {
	body, err := releaseBody(ctx, c, o, h, table)
	if err != nil {
		return nil, false, err
	}
	draft := &gh.RepositoryRelease{
		TagName:    gh.String(o.Tag),
		Name:       gh.String(o.Name),
		Body:       gh.String(body),
		Draft:      gh.Bool(true),
		Prerelease: gh.Bool(true),
		MakeLatest: gh.String("false"),
	}
	if o.Target != "" {
		draft.TargetCommitish = gh.String(o.Target)
	}
	rel, _, err = c.Releases.CreateRelease(ctx, o.Owner, o.Repo, draft)
	if err == nil {
		return rel, true, nil
	}
	if !isAlreadyExists(err) {
		return nil, false, fmt.Errorf("create draft release %s: %w", o.Tag, err)
	}
	_, other, findErr := findRelease(ctx, c.Releases, o)
	if findErr != nil || other == nil {
		return nil, false, fmt.Errorf("create draft release %s: another run created it, but it cannot be found: %w", o.Tag, errors.Join(err, findErr))
	}
	o.Logf("release %s was created by another run meanwhile; using it", o.Tag)
	return other, false, nil
}

// releaseBody is body, then the snapshot table, then GitHub's notes from
// the previous nightly.
func releaseBody(ctx context.Context, c Client, o Options, h *history, table string) (string, error) {
	if !o.GenerateNotes {
		return joinText(o.Body, table), nil
	}
	previous := o.PreviousTag
	if previous == "" && o.Prefix != "" {
		tag, _, err := h.previous(ctx)
		if err != nil {
			return "", err
		}
		previous = tag.Name
	}
	opts := &gh.GenerateNotesOptions{TagName: o.Tag}
	if previous != "" {
		opts.PreviousTagName = gh.String(previous)
	}
	if o.Target != "" {
		opts.TargetCommitish = gh.String(o.Target)
	}
	notes, _, err := c.Releases.GenerateReleaseNotes(ctx, o.Owner, o.Repo, opts)
	if err != nil {
		return "", fmt.Errorf("generate notes for %s since %s: %w", o.Tag, orNone(previous), err)
	}
	return joinText(o.Body, table, notes.Body), nil
}

func publishResult(o Options, rel *gh.RepositoryRelease, created bool, synced SyncResult, pruned []string, files []File) report.Result {
	type asset struct {
		Name string `json:"name"`
		Size int64  `json:"size"`
		URL  string `json:"url"`
	}
	assets := make([]asset, 0, len(files))
	for i, f := range files {
		a := asset{Name: f.Name, Size: f.Size}
		if i < len(synced.Assets) {
			a.URL = synced.Assets[i].BrowserDownloadURL
			if a.Size == 0 {
				a.Size = synced.Assets[i].Size
			}
		}
		assets = append(assets, a)
	}
	if pruned == nil {
		pruned = []string{}
	}
	var res report.Result
	res.Set("tag", o.Tag)
	res.Set("release-id", strconv.FormatInt(rel.GetID(), 10))
	res.Set("release-url", rel.GetHTMLURL())
	res.Set("upload-url", rel.GetUploadURL())
	res.Set("assets", mustJSON(assets))
	res.Set("created", strconv.FormatBool(created))
	res.Set("pruned", mustJSON(pruned))

	s := report.Summary{Title: "Prerelease " + o.Tag}
	switch {
	case o.DryRun:
		s.Add("Status", "dry run: would publish")
	case created:
		s.Add("Status", "created and published")
	default:
		s.Add("Status", "already there; assets brought up to date")
	}
	s.Add("Release", report.Link(o.Tag, rel.GetHTMLURL()))
	s.Add("Assets", fmt.Sprintf("%d uploaded, %d unchanged, %d replaced", len(synced.Uploaded), len(synced.Skipped), len(synced.Replaced)))
	if len(pruned) > 0 {
		s.Add("Pruned", report.Text(strings.Join(pruned, ", ")))
	}
	res.Summary = s
	return res
}

func joinText(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			kept = append(kept, strings.TrimRight(p, "\n"))
		}
	}
	return strings.Join(kept, "\n\n")
}

func orNone(tag string) string {
	if tag == "" {
		return "the start"
	}
	return tag
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v) // plain structs and strings always marshal
	return string(b)
}

func isStatus(err error, status int) bool {
	var ghErr *gh.ErrorResponse
	return errors.As(err, &ghErr) && ghErr.Response != nil && ghErr.Response.StatusCode == status
}

// isAlreadyExists is GitHub's 422 for a release (or asset) that exists.
func isAlreadyExists(err error) bool {
	var ghErr *gh.ErrorResponse
	if !errors.As(err, &ghErr) || ghErr.Response == nil || ghErr.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range ghErr.Errors {
		if e.Code == "already_exists" {
			return true
		}
	}
	return false
}
